// Session cases (issue 7): full session establishment and ratchet messages with 1 KiB
// payloads, pqwire's session API beside @signalapp/libsignal-client. The libraries are the
// session adapters of lib/sessions.js.
//
//   session establishment          Bob's bundle fetched -> Alice initiates (her first
//                                  message carries the 1 KiB payload) -> Bob accepts and
//                                  reads it; both sides, in-memory stores. Every session
//                                  uses a fresh bundle (its one-time prekeys are consumed),
//                                  made outside the timing: measured in batches.
//   ratchet 1 KiB alternating      A -> B, B -> A, ...: every message starts a new chain
//                                  (an asymmetric step; a KEM step when the cadence says so)
//   ratchet 1 KiB one direction    A -> B repeatedly: one chain, symmetric steps only
//
// A ratchet operation is one message: encrypt on one side, decrypt on the other.
'use strict';

const crypto = require('node:crypto');

/** The 1 KiB payload of every session case. */
const PAYLOAD = new Uint8Array(crypto.randomBytes(1024));

function cases(sessionLibs) {
  const loaded = sessionLibs.filter((l) => l.loaded);
  const establishing = loaded.filter((l) => l.api.establishment);
  const pairing = loaded.filter((l) => l.api.pair);
  return [
    {
      id: 'session establishment',
      family: 'Sessions',
      suite: null,
      op: 'establish',
      rustId: null,
      aliases: 'sessions/s handshake',
      kind: 'batch',
      libs: establishing,
      build: async (api) => {
        await api.establishment.check(PAYLOAD);
        return { prepare: (n) => api.establishment.prepare(n, PAYLOAD), run: (state) => api.establishment.run(state) };
      },
    },
    ...['alternating', 'one direction'].map((pattern) => ({
      id: `ratchet 1 KiB ${pattern}`,
      family: 'Sessions',
      suite: null,
      op: pattern,
      rustId: null,
      aliases: 'ratchet messages',
      libs: pairing,
      build: async (api) => {
        const pair = await api.pair(PAYLOAD);
        await pair.check();
        if (pattern === 'one direction') return () => pair.send(true);
        let aToB = false;
        return () => pair.send((aToB = !aToB));
      },
    })),
  ];
}

module.exports = { cases, PAYLOAD };
