// Results of the synchronous byte API are written by native code into buffers the facade
// allocates (ts/src/output.ts): public results carved from a slab (after the first 256),
// secret results in buffers of their own. These tests show that results never share or leak memory and
// that a wrongly sized output buffer is a typed error, never a crash.
import { describe, expect, it } from 'vitest';
import { MessageChannel } from 'node:worker_threads';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import native from '../ts/src/native';
import { aead, ed25519, mlDsa65, mlKem512, mlKem768, sha3_256, shake256, x25519, xWing } from '../ts/src/index';
import { bytes, expectThrow, flip, hex } from './helpers';
import { call } from '../ts/src/errors';
import { InvalidArgumentError } from '../ts/src/index';

const chacha = aead('ChaCha20-Poly1305');
const key = bytes(32, 1);
const nonce = bytes(12, 2);

/** True when `a` owns its whole buffer (no other data can sit beside it). */
function ownsBuffer(a: Uint8Array): boolean {
  return a.byteOffset === 0 && a.buffer.byteLength === a.byteLength;
}

describe('output buffers', () => {
  it('gives every secret result a buffer of its own', () => {
    const a = x25519.keygen();
    const b = x25519.keygen();
    const secrets = [
      a.secretKey,
      x25519.sharedSecret(a.secretKey, b.publicKey),
      mlKem768.keygen().secretKey,
      mlKem768.encapsulate(mlKem768.keygen().publicKey).sharedSecret,
      xWing.keygen().secretKey,
      ed25519.keygen().secretKey,
      mlDsa65.keygen().secretKey,
      chacha.open(key, nonce, chacha.seal(key, nonce, bytes(64, 3))),
      chacha.open(key, nonce, chacha.seal(key, nonce, bytes(5000, 3))),
      sha3_256(bytes(10, 4)),
      shake256(bytes(10, 4), 100),
    ];
    for (const s of secrets) expect(ownsBuffer(s)).toBe(true);
  });

  it('keeps successive small secrets apart (the scratch buffer is copied out and wiped)', () => {
    const a = x25519.keygen();
    const first = x25519.sharedSecret(a.secretKey, x25519.keygen().publicKey);
    const copy = hex(first);
    const second = x25519.sharedSecret(a.secretKey, x25519.keygen().publicKey);
    expect(hex(first)).toBe(copy);
    expect(hex(second)).not.toBe(copy);
    expect(first.buffer).not.toBe(second.buffer);
  });

  it('carves public results without overlap', () => {
    const results = Array.from({ length: 200 }, (_, i) => chacha.seal(key, bytes(12, i), bytes(i, 5)));
    const snapshot = results.map(hex);
    for (const r of results) r.fill(0xee);
    results.forEach((r, i) => expect(r.length).toBe(i + 16));
    // Filling each result touched only its own bytes: re-sealing gives the old values.
    results.forEach((_, i) => expect(hex(chacha.seal(key, bytes(12, i), bytes(i, 5)))).toBe(snapshot[i]));
  });

  it('gives large public results their own buffer', () => {
    const big = chacha.seal(key, nonce, bytes(10_000, 6));
    expect(ownsBuffer(big)).toBe(true);
  });

  it('gives the first 256 public results buffers of their own, and loads node:worker_threads only for the slab', () => {
    // In a fresh node: this process has made public results and loaded worker_threads already.
    const script = `const pq = require('pqwire');
      const own = (a) => a.byteOffset === 0 && a.buffer.byteLength === a.byteLength;
      const threads = () => process.moduleLoadList.includes('NativeModule worker_threads');
      const key = new Uint8Array(32), nonce = new Uint8Array(12), seal = pq.aead('ChaCha20-Poly1305');
      const first = Array.from({ length: 256 }, () => seal.seal(key, nonce, new Uint8Array(16)));
      const threadsBefore = threads();
      const next = [seal.seal(key, nonce, new Uint8Array(16)), seal.seal(key, nonce, new Uint8Array(16))];
      const result = { allOwn: first.every(own), threadsBefore, nextOwn: next.map(own), sameSlab: next[0].buffer === next[1].buffer, threadsAfter: threads() };
      process.stdout.write(JSON.stringify(result));`;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: resolve(__dirname, '..'), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ allOwn: true, threadsBefore: false, nextOwn: [false, false], sameSlab: true, threadsAfter: true });
  });

  it('survives a public result whose buffer is put in a transfer list', () => {
    for (let i = 0; i < 300; i++) chacha.seal(key, nonce, bytes(16, 7)); // past the first own buffers
    const sealed = chacha.seal(key, nonce, bytes(64, 7));
    expect(ownsBuffer(sealed)).toBe(false); // carved from the slab
    const { port1, port2 } = new MessageChannel();
    try {
      port1.postMessage(sealed, [sealed.buffer as ArrayBuffer]);
    } catch {
      // Newer Node versions refuse to transfer an untransferable buffer: also fine.
    } finally {
      port1.close();
      port2.close();
    }
    expect(sealed.byteLength).toBe(80); // not detached
    expect(chacha.open(key, nonce, chacha.seal(key, nonce, bytes(64, 7)))).toEqual(bytes(64, 7));
  });

  it('handles empty results', () => {
    expect(chacha.open(key, nonce, chacha.seal(key, nonce, new Uint8Array(0))).length).toBe(0);
    expect(shake256(bytes(3, 1), 0).length).toBe(0);
  });

  it('leaves no unauthenticated plaintext in the output when open fails', () => {
    for (const name of ['ChaCha20-Poly1305', 'AES-256-GCM'] as const) {
      const a = aead(name);
      for (const len of [64, 65536]) {
        const sealed = flip(a.seal(key, nonce, bytes(len, 8)), len - 1);
        expect(() => a.open(key, nonce, sealed)).toThrow(expect.objectContaining({ code: 'AUTH_FAILED' }));
        // The native call decrypts into the output while it authenticates: on a bad tag
        // the output is wiped, not left with the decrypted bytes.
        const out = new Uint8Array(len).fill(0xaa);
        expect(() => native.aeadOpen(native.aeadSuiteId(name), key, nonce, sealed, undefined, out)).toThrow();
        expect(out.every((b) => b === 0)).toBe(true);
      }
    }
  });

  it('writes nothing into the output when a call fails before any work', () => {
    const id = native.aeadSuiteId('ChaCha20-Poly1305');
    const out = new Uint8Array(32).fill(0xaa);
    expect(() => native.aeadOpen(id, key, nonce.subarray(1), chacha.seal(key, nonce, bytes(32, 8)), undefined, out)).toThrow();
    expect(() => native.x25519SharedSecret(bytes(32, 1), new Uint8Array(32), out)).toThrow();
    expect(out.every((b) => b === 0xaa)).toBe(true);
  });

  it('refuses an output buffer of the wrong size before doing any work', () => {
    const id = native.aeadSuiteId('ChaCha20-Poly1305');
    const kem = native.kemSuiteId('ML-KEM-512', 'default');
    const sig = native.sigSuiteId('Ed25519', 'default');
    const pk = mlKem512.keygen().publicKey;
    const calls: Array<[string, () => void]> = [
      ['aeadSeal', () => native.aeadSeal(id, key, nonce, bytes(10, 1), undefined, new Uint8Array(25))],
      ['aeadOpen', () => native.aeadOpen(id, key, nonce, chacha.seal(key, nonce, bytes(10, 1)), undefined, new Uint8Array(11))],
      ['x25519Keygen', () => native.x25519Keygen(undefined, new Uint8Array(31), new Uint8Array(32))],
      ['x25519SharedSecret', () => native.x25519SharedSecret(bytes(32, 1), bytes(32, 2), new Uint8Array(33))],
      ['kemKeygen', () => native.kemKeygen(kem, undefined, new Uint8Array(800), new Uint8Array(1))],
      ['kemEncapsulate', () => native.kemEncapsulate(kem, pk, undefined, new Uint8Array(767), new Uint8Array(32))],
      ['sigSign', () => native.sigSign(sig, bytes(3, 1), bytes(32, 1), undefined, 1, undefined, new Uint8Array(63))],
      ['sha3_256', () => native.sha3_256(bytes(3, 1), new Uint8Array(31))],
    ];
    for (const [name, call] of calls) {
      let error: unknown;
      try {
        call();
      } catch (e) {
        error = e;
      }
      expect((error as { code?: unknown }).code, name).toBe('BAD_LENGTH');
    }
  });

  describe('an output overlapping an input or another output is refused before any work', () => {
    const id = native.aeadSuiteId('ChaCha20-Poly1305');
    /** One ArrayBuffer laid out as key | nonce | aad | plaintext | room for the output. */
    function layout(ptLength: number) {
      const buf = new ArrayBuffer(32 + 12 + 4 + ptLength + ptLength + 16 + 64);
      const k = new Uint8Array(buf, 0, 32);
      const n = new Uint8Array(buf, 32, 12);
      const ad = new Uint8Array(buf, 44, 4);
      const p = new Uint8Array(buf, 48, ptLength);
      k.set(key);
      n.set(nonce);
      ad.set([9, 9, 9, 9]);
      p.set(bytes(ptLength, 3));
      return { buf, k, n, ad, p };
    }
    const refused = (f: () => void): void => {
      expectThrow(() => call(f), InvalidArgumentError, 'INVALID_ARGUMENT');
    };

    it('aeadSeal: the output over the plaintext (in place, shifted), the key, the nonce or the AAD', () => {
      const { buf, k, n, ad, p } = layout(40);
      const before = new Uint8Array(buf).slice();
      for (const start of [48, 47, 60, 48 + 39, 0, 30, 40, 44]) {
        const out = new Uint8Array(buf, start, 56);
        refused(() => native.aeadSeal(id, k, n, p, ad, out));
      }
      expect(new Uint8Array(buf)).toEqual(before); // nothing written, no input changed
    });

    it('aeadSeal: adjacent views of the same ArrayBuffer are fine', () => {
      const { buf, k, n, ad, p } = layout(40);
      const out = new Uint8Array(buf, 88, 56); // right after the plaintext
      native.aeadSeal(id, k, n, p, ad, out);
      expect(hex(out)).toBe(hex(chacha.seal(key, nonce, bytes(40, 3), new Uint8Array([9, 9, 9, 9]))));
    });

    it('aeadOpen: the output over the ciphertext (in place), the key or the AAD; adjacent is fine', () => {
      const sealed = chacha.seal(key, nonce, bytes(40, 3));
      const buf = new ArrayBuffer(32 + 56 + 40 + 8);
      const k = new Uint8Array(buf, 0, 32);
      k.set(key);
      const c = new Uint8Array(buf, 32, 56);
      c.set(sealed);
      const before = new Uint8Array(buf).slice();
      for (const start of [32, 33, 80, 0, 8]) refused(() => native.aeadOpen(id, k, nonce, c, new Uint8Array(buf, 128, 4), new Uint8Array(buf, start, 40)));
      refused(() => native.aeadOpen(id, k, nonce, c, new Uint8Array(buf, 90, 4), new Uint8Array(buf, 88, 40)));
      expect(new Uint8Array(buf)).toEqual(before);
      const out = new Uint8Array(buf, 88, 40);
      native.aeadOpen(id, k, nonce, c, undefined, out);
      expect(out).toEqual(bytes(40, 3));
    });

    it('key generation, encapsulation, decapsulation, signing: outputs apart from inputs and from each other', () => {
      const kemId = native.kemSuiteId('ML-KEM-512', 'default');
      const sigId = native.sigSuiteId('Ed25519', 'default');
      const buf = new ArrayBuffer(8192);
      const view = (offset: number, length: number) => new Uint8Array(buf, offset, length);
      // Two outputs overlapping each other, and an output over the seed.
      refused(() => native.kemKeygen(kemId, undefined, view(0, 800), view(799, 1632)));
      refused(() => native.kemKeygen(kemId, view(0, 64), view(0, 800), view(800, 1632)));
      const { publicKey, secretKey } = mlKem512.keygen();
      const pk = view(0, 800);
      pk.set(publicKey);
      refused(() => native.kemEncapsulate(kemId, pk, undefined, view(700, 768), view(4000, 32)));
      refused(() => native.kemEncapsulate(kemId, pk, undefined, view(800, 768), view(1567, 32)));
      const sk = view(2000, 1632);
      sk.set(secretKey);
      const ct = view(800, 768);
      native.kemEncapsulate(kemId, pk, undefined, ct, view(1568, 32)); // adjacent: fine
      refused(() => native.kemDecapsulate(kemId, ct, sk, view(2000 + 1600, 32)));
      refused(() => native.kemDecapsulate(kemId, ct, sk, view(1000, 32)));
      const ss = view(1632 + 2000, 32);
      native.kemDecapsulate(kemId, ct, sk, ss); // adjacent to the secret key: fine
      expect(ss).toEqual(view(1568, 32));
      const seed = view(5000, 32);
      seed.set(bytes(32, 7));
      refused(() => native.sigSign(sigId, view(5040, 10), seed, undefined, 1, undefined, view(5016, 64)));
      refused(() => native.sigSign(sigId, view(5040, 10), seed, undefined, 1, undefined, view(5045, 64)));
      refused(() => native.sigPublicKey(sigId, seed, view(5020, 32)));
      refused(() => native.sigKeygen(sigId, seed, view(5000, 32), view(6000, 32)));
    });

    it('X25519 and the hashes: outputs apart from inputs; a key pair never shares bytes between its halves', () => {
      const buf = new ArrayBuffer(1024);
      const view = (offset: number, length: number) => new Uint8Array(buf, offset, length);
      // Overlapping halves would leave secret bytes in the public key.
      refused(() => native.x25519Keygen(undefined, view(0, 32), view(16, 32)));
      refused(() => native.x25519Keygen(view(100, 32), view(0, 32), view(116, 32)));
      const sk = view(200, 32);
      sk.set(bytes(32, 5));
      refused(() => native.x25519PublicKey(sk, view(220, 32)));
      const pk = view(300, 32);
      native.x25519PublicKey(sk, pk); // apart: fine
      refused(() => native.x25519SharedSecret(sk, pk, view(310, 32)));
      refused(() => native.x25519SharedSecret(sk, pk, view(190, 32)));
      native.x25519SharedSecret(sk, pk, view(332, 32)); // adjacent: fine
      const data = view(400, 64);
      refused(() => native.sha3_256(data, view(450, 32)));
      refused(() => native.shake256(data, view(390, 20)));
      native.sha3_256(data, view(464, 32));
    });
  });
});
