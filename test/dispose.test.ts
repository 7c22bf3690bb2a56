// dispose(): objects holding native secrets (KEM and signature key pairs, identities,
// channel server keys) wipe them when the application says so, instead of at garbage
// collection. Afterwards every use that needs the secret throws DisposedError (DISPOSED);
// disposing twice is harmless; `using` disposes at the end of a block (Symbol.dispose).
// The Rust side (`Disposable`, crates/pqwire-core/src/secret.rs) shows the storage is gone.
import { describe, expect, it } from 'vitest';
import {
  DisposedError,
  channel,
  createIdentity,
  ed25519,
  generatePrekeys,
  Identity,
  kem,
  mlDsa65,
  mlKem768,
  sig,
  xWing,
  type KemKeyPair,
  type SigKeyPair,
} from '../ts/src/index';
import native from '../ts/src/native';
import { call } from '../ts/src/errors';
import { NativeChannel, NativeServerCredentials } from '../ts/src/channel/native';
import { bytes, expectReject, expectThrow } from './helpers';

const disposedThrow = (f: () => unknown): void => {
  expectThrow(f, DisposedError, 'DISPOSED');
};

describe('KEM key pairs', () => {
  it.each([
    ['ML-KEM-768', () => mlKem768.generateKeyPair()],
    ['X-Wing', () => xWing.generateKeyPair()],
    ['ML-KEM-768 (PQClean)', () => kem('ML-KEM-768', { backend: 'pqclean' }).generateKeyPair()],
    ['ML-KEM-768 (imported)', () => {
      const { publicKey, secretKey } = mlKem768.keygen();
      return mlKem768.importKeyPair(secretKey, publicKey);
    }],
  ] as Array<[string, () => KemKeyPair]>)('%s: every use after dispose() is DISPOSED; dispose() twice is fine', async (_, make) => {
    const kp = make();
    const suite = kp.suite;
    const { cipherText, sharedSecret } = kem(suite).encapsulate(kp.publicKey);
    expect(kp.decapsulate(cipherText)).toEqual(sharedSecret);
    expect(kp.disposed).toBe(false);

    kp.dispose();
    expect(kp.disposed).toBe(true);
    disposedThrow(() => kp.decapsulate(cipherText));
    disposedThrow(() => kp.exportSecretKey());
    disposedThrow(() => kp.publicKey);
    await expectReject(() => kp.decapsulateAsync(cipherText), DisposedError, 'DISPOSED');
    // What stays: the suite, and a log line that never throws.
    expect(kp.suite).toBe(suite);
    expect(JSON.parse(JSON.stringify(kp))).toEqual({ suite, disposed: true });

    kp.dispose();
    kp[Symbol.dispose]();
    expect(kp.disposed).toBe(true);
  });

  it('a decapsulateAsync already running finishes with the key; the next call is refused', async () => {
    const kp = mlKem768.generateKeyPair();
    const { cipherText, sharedSecret } = mlKem768.encapsulate(kp.publicKey);
    const running = kp.decapsulateAsync(cipherText);
    kp.dispose();
    expect(await running).toEqual(sharedSecret);
    await expectReject(() => kp.decapsulateAsync(cipherText), DisposedError, 'DISPOSED');
  });
});

describe('signature key pairs', () => {
  it.each([
    ['Ed25519', () => ed25519.generateKeyPair()],
    ['ML-DSA-65', () => mlDsa65.generateKeyPair()],
    ['Ed25519+ML-DSA-65', () => sig('Ed25519+ML-DSA-65').generateKeyPair()],
    ['ML-DSA-65 (PQClean)', () => sig('ML-DSA-65', { backend: 'pqclean' }).generateKeyPair()],
  ] as Array<[string, () => SigKeyPair]>)('%s: every use after dispose() is DISPOSED; dispose() twice is fine', async (_, make) => {
    const kp = make();
    const suite = kp.suite;
    const message = bytes(20, 3);
    expect(sig(suite).verify(kp.sign(message), message, kp.publicKey).valid).toBe(true);

    kp.dispose();
    expect(kp.disposed).toBe(true);
    disposedThrow(() => kp.sign(message));
    disposedThrow(() => kp.exportSecretKey());
    disposedThrow(() => kp.publicKey);
    await expectReject(() => kp.signAsync(message), DisposedError, 'DISPOSED');
    expect(kp.suite).toBe(suite);
    expect(JSON.parse(JSON.stringify(kp))).toEqual({ suite, disposed: true });
    kp.dispose();
    expect(kp.disposed).toBe(true);
  });

  it('a signAsync already running finishes with the key', async () => {
    const kp = mlDsa65.generateKeyPair();
    const running = kp.signAsync(bytes(5, 1));
    const publicKey = kp.publicKey;
    kp.dispose();
    expect(mlDsa65.verify(await running, bytes(5, 1), publicKey).valid).toBe(true);
  });
});

describe('using', () => {
  it('disposes at the end of the block, also when the block throws', () => {
    let kept: KemKeyPair | undefined;
    {
      using kp = xWing.generateKeyPair();
      kept = kp;
      expect(kp.disposed).toBe(false);
    }
    expect(kept.disposed).toBe(true);

    let signer: SigKeyPair | undefined;
    expect(() => {
      using s = ed25519.generateKeyPair();
      signer = s;
      throw new Error('boom');
    }).toThrow('boom');
    expect(signer?.disposed).toBe(true);
  });

  it('Symbol.dispose is the runtime symbol (Node 20)', () => {
    expect(typeof Symbol.dispose).toBe('symbol');
    for (const o of [mlKem768.generateKeyPair(), ed25519.generateKeyPair(), createIdentity(), channel.generateServerKey()]) {
      expect(typeof o[Symbol.dispose]).toBe('function');
      o[Symbol.dispose]();
      expect(o.disposed).toBe(true);
    }
  });
});

describe('identities', () => {
  it('after dispose() export, prekeys and handshakes are DISPOSED; the public half stays', () => {
    const me = createIdentity();
    const fingerprint = me.fingerprint;
    const record = me.export();
    expect(generatePrekeys(me, { kind: 'signed' })).toHaveLength(1);

    me.dispose();
    expect(me.disposed).toBe(true);
    disposedThrow(() => me.export());
    disposedThrow(() => generatePrekeys(me, { kind: 'signed' }));
    disposedThrow(() => generatePrekeys(me, { kind: 'one-time-kem', count: 2 }));
    // A handshake is refused before anything is parsed.
    disposedThrow(() => call(() => native.NativeSession.initiate(me.native, bytes(1), bytes(1), bytes(1), bytes(0), null, 1)));
    disposedThrow(() => call(() => native.NativeSession.accept(me.native, bytes(1), [], bytes(1), null, 1)));
    disposedThrow(() => call(() => me.native.continuityProof()));
    expect(me.fingerprint).toBe(fingerprint);
    expect(me.publicIdentity.fingerprint).toBe(fingerprint);
    expect(JSON.parse(JSON.stringify(me))).toEqual({ fingerprint, suite: 'Ed25519+ML-DSA-65' });
    me.dispose();

    // The record still restores a live identity elsewhere.
    const again = Identity.import(record);
    expect(again.fingerprint).toBe(fingerprint);
    again.dispose();
  });
});

describe('channel server keys', () => {
  const NOW = Math.floor(Date.now() / 1000);

  it('after dispose() the file, the public key and new servers or clients are DISPOSED; info stays', () => {
    const key = channel.generateServerKey();
    const info = key.info;
    const publicKey = key.publicKey;

    key.dispose();
    expect(key.disposed).toBe(true);
    disposedThrow(() => key.toFile());
    disposedThrow(() => key.publicKey);
    disposedThrow(() => key.keyId);
    disposedThrow(() => channel.createServer({ keys: [key] }));
    disposedThrow(() => call(() => NativeServerCredentials.create([key.native], null)));
    disposedThrow(() => call(() => NativeChannel.client(publicKey, key.native, null, NOW)));
    expect(key.info).toEqual(info);
    expect(JSON.parse(JSON.stringify(key))).toEqual(info);
    key.dispose();
  });

  it('dispose() keeps the public facts even if they were never read', () => {
    const key = channel.generateServerKey();
    key.dispose();
    expect(key.info.kemSuite).toBe('X25519+ML-KEM-768');
  });

  it('credentials made before dispose() keep the key they hold until they are dropped', () => {
    const key = channel.generateServerKey();
    const credentials = NativeServerCredentials.create([key.native], null);
    const publicKey = key.publicKey;
    key.dispose();
    // Not NOW, taken when the file was collected: the key was made after it, and a run
    // slow enough (qemu, WebAssembly) crossed a second in between, so the key was not
    // yet valid at NOW.
    const now = Math.floor(Date.now() / 1000);
    const server = NativeChannel.serverWith(credentials, null, now);
    const client = NativeChannel.client(publicKey, null, null, now);
    const flat = (packets: Uint8Array[]): Uint8Array => Buffer.concat(packets);
    const c1 = client.start(now);
    const s1 = server.receive(flat(c1.transmit), now);
    const c2 = client.receive(flat(s1.transmit), now);
    const s2 = server.receive(flat(c2.transmit), now);
    const c3 = client.receive(flat(s2.transmit), now);
    expect([...s2.events, ...c3.events].map((e) => e.type)).toEqual(['secure', 'secure']);
  });
});
