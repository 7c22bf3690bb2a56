// A small decoder of libsignal's ratchet messages, written for the bench from the
// published layouts (libsignal's `wire.proto`; SPQR's message serialization, whose
// crate is AGPL and is neither copied nor linked here): enough to read, from a
// SignalMessage's bytes, the SPQR message it carries and the epoch in it, so that the
// bench can count the post-quantum epochs libsignal completes in a conversation.
//
//   SignalMessage        u8 version (high nibble: message version) ‖ protobuf ‖ 8-byte MAC
//                        protobuf fields: 1 ratchet_key (bytes), 2 counter (varint),
//                        3 previous_counter (varint), 4 ciphertext (bytes),
//                        5 pq_ratchet (bytes: the SPQR message)
//   PreKeySignalMessage  u8 version ‖ protobuf (no MAC); field 4 `message` holds the
//                        serialized SignalMessage
//   SPQR message (V1)    u8 version (1) ‖ varint epoch ‖ varint index ‖ u8 type
//                        [‖ varint chunk index ‖ 32-byte chunk], LEB128 varints; an
//                        empty field (V0) means no SPQR. Types: 0 none, 1 header chunk,
//                        2 encapsulation-key chunk, 3 key chunk + ciphertext-1 ack,
//                        4 ciphertext-1 ack, 5 ciphertext-1 chunk, 6 ciphertext-2 chunk.
//
// Epochs: one side sends its KEM key (header, then key chunks) for epoch e, the other
// answers with the ciphertext in chunks; the key's owner has the epoch's secret when
// the last ciphertext chunk arrives, and its next message carries epoch e + 1 (the roles
// swap each epoch). So an epoch is counted as completed when a message of a later epoch
// is seen: completed = last epoch seen − first epoch seen (at most one behind at the
// very end of a conversation).
'use strict';

const MAC_LENGTH = 8;
const SPQR_CHUNK = 32;
const SPQR_TYPES = ['none', 'header', 'key', 'key+ack', 'ack', 'ct1', 'ct2'];
const WITH_CHUNK = new Set([1, 2, 3, 5, 6]);

/** A LEB128 varint at `at`: { value, at } (value a Number; throws past 2^53). */
function varint(bytes, at) {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (at >= bytes.length) throw new Error('truncated varint');
    const b = bytes[at++];
    value += (b & 0x7f) * scale;
    if (!Number.isSafeInteger(value)) throw new Error('varint too large');
    if ((b & 0x80) === 0) return { value, at };
    scale *= 128;
  }
  throw new Error('varint longer than 10 bytes');
}

/** The fields of a protobuf message: Map field number -> last value (bytes or Number). */
function protobufFields(bytes) {
  const out = new Map();
  let at = 0;
  while (at < bytes.length) {
    const tag = varint(bytes, at);
    at = tag.at;
    const field = Math.floor(tag.value / 8);
    const wire = tag.value % 8;
    if (wire === 0) {
      const v = varint(bytes, at);
      out.set(field, v.value);
      at = v.at;
    } else if (wire === 2) {
      const len = varint(bytes, at);
      const end = len.at + len.value;
      if (end > bytes.length) throw new Error(`field ${field} runs past the message`);
      out.set(field, bytes.subarray(len.at, end));
      at = end;
    } else if (wire === 1 || wire === 5) {
      at += wire === 1 ? 8 : 4;
      if (at > bytes.length) throw new Error(`field ${field} runs past the message`);
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
  return out;
}

/** A SignalMessage's parts: { version, counter, previousCounter, ciphertext, pqRatchet }. */
function signalMessage(serialized) {
  const bytes = Uint8Array.from(serialized);
  if (bytes.length < 1 + MAC_LENGTH) throw new Error('SignalMessage too short');
  const f = protobufFields(bytes.subarray(1, bytes.length - MAC_LENGTH));
  return {
    version: bytes[0] >> 4,
    counter: f.get(2),
    previousCounter: f.get(3),
    ciphertext: f.get(4),
    pqRatchet: f.get(5) || new Uint8Array(0),
  };
}

/** The SignalMessage bytes inside a PreKeySignalMessage (its field 4). */
function innerSignalMessage(preKeySerialized) {
  const bytes = Uint8Array.from(preKeySerialized);
  const inner = protobufFields(bytes.subarray(1)).get(4);
  if (!(inner instanceof Uint8Array)) throw new Error('PreKeySignalMessage without a message');
  return inner;
}

/**
 * An SPQR message: { version, epoch, index, type, chunkIndex? } or null for an empty
 * field (no SPQR).
 */
function spqrMessage(field) {
  if (field.length === 0) return null;
  if (field[0] !== 1) throw new Error(`SPQR message version ${field[0]}, the decoder knows 1`);
  const epoch = varint(field, 1);
  const index = varint(field, epoch.at);
  if (index.at >= field.length) throw new Error('SPQR message without a type');
  const code = field[index.at];
  if (code >= SPQR_TYPES.length) throw new Error(`SPQR message type ${code}`);
  const out = { version: 1, epoch: epoch.value, index: index.value, type: SPQR_TYPES[code] };
  if (WITH_CHUNK.has(code)) {
    const chunk = varint(field, index.at + 1);
    if (chunk.at + SPQR_CHUNK > field.length) throw new Error('SPQR chunk truncated');
    out.chunkIndex = chunk.value;
  }
  return out;
}

/**
 * Epochs over a conversation's SPQR messages (null entries: no SPQR field):
 * { first, last, completed, types: { type: count } }.
 */
function epochSummary(messages) {
  const seen = messages.filter(Boolean);
  const types = {};
  for (const m of seen) types[m.type] = (types[m.type] || 0) + 1;
  if (!seen.length) return { first: null, last: null, completed: 0, types };
  const first = seen[0].epoch;
  const last = Math.max(...seen.map((m) => m.epoch));
  return { first, last, completed: last - first, types };
}

module.exports = { varint, protobufFields, signalMessage, innerSignalMessage, spqrMessage, epochSummary, SPQR_TYPES };
