/**
 * Where the synchronous byte API's results are allocated. Native code writes into
 * buffers made here (crates/pqwire-node/src/output.rs): creating a typed array from
 * native code costs about 0.8 µs, more than a whole ChaCha20-Poly1305 seal of 64 bytes.
 *
 * - Public results (ciphertexts, public keys, signatures, digests) are carved from a
 *   slab that only ever holds pqwire's public results, the way Node carves small
 *   `Buffer`s from its pool. A result's `.buffer` is that slab: use `byteOffset` and
 *   `byteLength`, or `slice()` for a copy with its own buffer.
 * - Secret results (secret keys, shared secrets, plaintexts) get their own buffer.
 *   Up to 64 bytes they are written into a private scratch buffer, copied out (V8 keeps
 *   such small arrays on its heap, so the copy is cheap) and the scratch is wiped.
 * @internal
 */

import { markAsUntransferable } from 'node:worker_threads';

const SLAB_SIZE = 64 * 1024;
/** Larger public results get their own buffer: carving them would waste the slab. */
const MAX_CARVED = 4 * 1024;
/** V8 keeps typed arrays up to this size on its heap. */
const SMALL_SECRET = 64;

/** Like Node's Buffer pool: a transfer to a worker must copy, never detach the slab. */
function ownBuffer(size: number): ArrayBuffer {
  const buffer = new ArrayBuffer(size);
  markAsUntransferable(buffer);
  return buffer;
}

let slab = ownBuffer(SLAB_SIZE);
let used = 0;
const scratch = ownBuffer(SMALL_SECRET);

/** A buffer of `length` bytes for a public result. */
export function publicOutput(length: number): Uint8Array {
  if (length > MAX_CARVED) return new Uint8Array(length);
  if (used + length > SLAB_SIZE) {
    slab = ownBuffer(SLAB_SIZE);
    used = 0;
  }
  const view = new Uint8Array(slab, used, length);
  used += (length + 7) & ~7; // 8-byte aligned, like Node's pool
  return view;
}

/** A buffer of `length` bytes for a secret result (the scratch buffer when small). */
function secretOutput(length: number): Uint8Array {
  return length <= SMALL_SECRET ? new Uint8Array(scratch, 0, length) : new Uint8Array(length);
}

/** The secret result in a buffer of its own; the scratch buffer is wiped. */
function takeSecret(out: Uint8Array): Uint8Array {
  if (out.buffer !== scratch) return out;
  const copy = out.slice();
  out.fill(0);
  return copy;
}

/**
 * Runs `write` (one native call filling `secret`) and returns the secret result in a
 * buffer of its own; the scratch buffer is wiped even when the call throws.
 */
export function withSecret(length: number, write: (secret: Uint8Array) => void): Uint8Array {
  const out = secretOutput(length);
  try {
    write(out);
  } catch (e) {
    out.fill(0);
    throw e;
  }
  return takeSecret(out);
}
