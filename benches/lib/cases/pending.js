// Extension points for what issue 7 measures once sessions and the ratchet exist (issue 5).
// Each entry prints "not yet available (issue 5)" and is recorded as pending in the JSON;
// to fill one in, give it a `run(context)` that returns its rows (the shape is up to the
// section: ops/s with spread and ratios like the primitive cases, or sizes in bytes) and
// teach report.js to render them. Peers: @signalapp/libsignal-client is already a
// dependency of benches/ and is loaded (for its version) by lib/peers.js.
'use strict';

const PENDING = [
  {
    id: 'session establishment',
    measures: 'full session establishment (sessions/s) against @signalapp/libsignal-client (PQXDH)',
    target: 'at least 3x libsignal sessions/s',
  },
  {
    id: 'ratchet messages',
    measures: 'ratchet messages/s with 1 KiB payloads, alternating and one direction, against libsignal (its post-quantum ratchet); pqwire at its default KEM cadence and at every hop',
    target: 'at least 3x libsignal messages/s at comparable post-quantum cadence',
  },
  {
    id: 'wire sizes',
    measures: 'first message, ratchet message and prekey bundle sizes, and the serialized session size, beside libsignal',
    target: null,
  },
  {
    id: 'memory per 10,000 sessions',
    measures: 'resident memory of 10,000 open sessions',
    target: null,
  },
];

const NOTE = 'not yet available (issue 5)';

module.exports = { PENDING, NOTE };
