/**
 * Where the synchronous byte API's results are allocated. Native code writes into
 * buffers made here (crates/pqwire-node/src/output.rs): creating a typed array from
 * native code costs more than a whole ChaCha20-Poly1305 seal of 64 bytes
 * (benches/README.md).
 *
 * - Public results (ciphertexts, public keys, signatures, digests) are carved from a
 *   slab that only ever holds pqwire's public results, the way Node carves small
 *   `Buffer`s from its pool. A result's `.buffer` is that slab: use `byteOffset` and
 *   `byteLength`, or `slice()` for a copy with its own buffer. The first results of a
 *   process get buffers of their own instead (see FIRST_OWN_RESULTS).
 * - Secret results (secret keys, shared secrets, plaintexts) get their own buffer.
 *   Up to 64 bytes they are written into a private scratch buffer, copied out (V8 keeps
 *   such small arrays on its heap, so the copy is cheap) and the scratch is wiped.
 *
 * No buffer made here is ever an input of the call it receives a result of. The addon
 * checks it anyway: an output sharing a byte with an input or another output of the same
 * call (two views of one `ArrayBuffer`) is refused with `INVALID_ARGUMENT` before any
 * work (`output::check_disjoint`).
 * @internal
 */

const SLAB_SIZE = 64 * 1024;
/** Larger public results get their own buffer: carving them would waste the slab. */
const MAX_CARVED = 4 * 1024;
/** V8 keeps typed arrays up to this size on its heap. */
const SMALL_SECRET = 64;
/**
 * Public results handed out with buffers of their own before the first slab is made. The
 * slab must be marked untransferable, and `node:worker_threads`, which does that, takes
 * milliseconds to load: a process that makes a few calls (a CLI, a serverless function)
 * should not pay for it, and a busy one reaches the slab within microseconds.
 */
const FIRST_OWN_RESULTS = 256;

/** Like Node's Buffer pool: a transfer to a worker must copy, never detach the slab. */
function newSlab(): ArrayBuffer {
  const { markAsUntransferable } =
    process.getBuiltinModule?.('node:worker_threads') ?? (require('node:worker_threads') as typeof import('node:worker_threads'));
  const buffer = new ArrayBuffer(SLAB_SIZE);
  markAsUntransferable(buffer);
  return buffer;
}

let slab: ArrayBuffer | undefined;
let used = 0;
let ownResultsLeft = FIRST_OWN_RESULTS;
/** Never handed out (withSecret copies out of it), so it need not be untransferable. */
const scratch = new ArrayBuffer(SMALL_SECRET);

/** From this size on, a result's own buffer is not zero-filled first (see ownOutput). */
const UNFILLED_FROM = 4 * 1024;

/**
 * A buffer of its own for a result. From 4 KiB on it is not zero-filled: native code
 * overwrites every byte before the result is returned (the output length is checked
 * first, and a failed call's buffer is never returned). Zero-filling a large result costs
 * a noticeable share of a seal of that size; below 4 KiB the plain allocation is as fast
 * (benches/README.md).
 */
function ownOutput(length: number): Uint8Array {
  if (length < UNFILLED_FROM) return new Uint8Array(length);
  const b = Buffer.allocUnsafeSlow(length);
  return new Uint8Array(b.buffer, b.byteOffset, length);
}

/** A buffer of `length` bytes for a public result. */
export function publicOutput(length: number): Uint8Array {
  if (length > MAX_CARVED) return ownOutput(length);
  if (slab === undefined || used + length > SLAB_SIZE) {
    if (ownResultsLeft > 0) {
      ownResultsLeft--;
      return ownOutput(length);
    }
    slab = newSlab();
    used = 0;
  }
  const view = new Uint8Array(slab, used, length);
  used += (length + 7) & ~7; // 8-byte aligned, like Node's pool
  return view;
}

/**
 * Runs `write` (one native call filling `secret`) and returns the secret result in a
 * buffer of its own; the scratch buffer is wiped even when the call throws.
 */
export function withSecret(length: number, write: (secret: Uint8Array) => void): Uint8Array {
  if (length > SMALL_SECRET) {
    const own = ownOutput(length);
    write(own);
    return own;
  }
  const out = new Uint8Array(scratch, 0, length);
  try {
    write(out);
    return out.slice();
  } finally {
    out.fill(0);
  }
}

/** A key pair written by one native call: the public key carved, the secret key its own. */
export function keyPairOutput(
  publicLength: number,
  secretLength: number,
  write: (publicKey: Uint8Array, secretKey: Uint8Array) => void,
): { publicKey: Uint8Array; secretKey: Uint8Array } {
  const publicKey = publicOutput(publicLength);
  const secretKey = withSecret(secretLength, (secret) => write(publicKey, secret));
  return { publicKey, secretKey };
}
