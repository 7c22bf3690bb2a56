// The ratchet conversation of issue 17: after the handshake, COUNT messages with a 1 KiB
// payload, alternating (Bob answers first, then Alice, ...: every message starts a new
// chain), for pqwire (ML-KEM-768, its default cadence) and @signalapp/libsignal-client.
// Reported: the mean, smallest and largest ratchet message, and the post-quantum steps
// each completed in the conversation:
//
//   pqwire     `session.info.pqSteps` of both sides (the smaller; "n/a" while the session
//              does not report it)
//   libsignal  its SPQR epochs, counted from the wire: each SignalMessage's SPQR field is
//              decoded by lib/spqr.js (our own decoder) and an epoch counts as completed
//              when a message of a later epoch is seen
'use strict';

const COUNT = 200;

const mean = (xs) => xs.reduce((x, y) => x + y, 0) / xs.length;

function sizeSummary(sizes) {
  return { meanBytes: mean(sizes), minBytes: Math.min(...sizes), maxBytes: Math.max(...sizes) };
}

async function pqwireConversation(plaintext, count) {
  const c = await require('./sessions').pqwireSessions().conversation(plaintext, count);
  const { initiator, responder } = c.pqSteps;
  const pqSteps = initiator === null || responder === null ? null : Math.min(initiator, responder);
  return { ...sizeSummary(c.sizes), firstMessage: c.firstMessage, pqSteps, pqStepsBySide: c.pqSteps, sizes: c.sizes };
}

async function libsignalConversation(api, plaintext, count) {
  const c = await api.conversation(plaintext, count);
  return {
    ...sizeSummary(c.sizes),
    firstMessage: c.firstMessage,
    spqrEpochs: c.epochs.completed,
    epochs: c.epochs,
    spqrFieldMeanBytes: mean(c.fieldBytes),
    // Per message: the SPQR epoch it carries (null: no SPQR field), for whoever tunes a cadence.
    epochPerMessage: c.spqr.map((m) => (m ? m.epoch : null)),
    sizes: c.sizes,
  };
}

/** Both libraries' conversations; a library that fails reports { error }. */
async function conversation(plaintext, libsignalApi) {
  const guard = (f) => f().catch((e) => ({ error: (e && e.message) || String(e) }));
  return {
    count: COUNT,
    payload: plaintext.length,
    pqwire: await guard(() => pqwireConversation(plaintext, COUNT)),
    libsignal: libsignalApi && libsignalApi.conversation ? await guard(() => libsignalConversation(libsignalApi, plaintext, COUNT)) : null,
  };
}

const n = (x) => Math.round(x).toLocaleString('en-US');

/** Console / markdown rows: [library, mean, range, post-quantum steps, note]. */
function rows(c) {
  const out = [];
  const p = c.pqwire;
  if (p) {
    out.push(p.error
      ? ['pqwire', `error: ${p.error}`, '', '', '']
      : ['pqwire', `${n(p.meanBytes)} B`, `${n(p.minBytes)}–${n(p.maxBytes)} B`, p.pqSteps === null ? 'n/a' : String(p.pqSteps),
        p.pqSteps === null ? '`session.info.pqSteps` not reported by this build' : `pqSteps: initiator ${p.pqStepsBySide.initiator}, responder ${p.pqStepsBySide.responder}`]);
  }
  const l = c.libsignal;
  if (l) {
    out.push(l.error
      ? ['libsignal', `error: ${l.error}`, '', '', '']
      : ['libsignal', `${n(l.meanBytes)} B`, `${n(l.minBytes)}–${n(l.maxBytes)} B`, String(l.spqrEpochs),
        `SPQR epochs ${l.epochs.first}→${l.epochs.last} (decoded from its messages); SPQR field ${l.spqrFieldMeanBytes.toFixed(1)} B on average; ` +
          `SPQR messages by type: ${Object.entries(l.epochs.types).map(([k, v]) => `${k} ${v}`).join(', ')}`]);
  }
  return out;
}

module.exports = { conversation, rows, COUNT };
