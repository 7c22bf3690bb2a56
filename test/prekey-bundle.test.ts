/**
 * The prekey bundle from JavaScript: nested key packages stay encoded, the structure rules
 * fire with typed errors (the full rule set is tested in crates/pqwire-core/tests/prekey_bundle.rs).
 */
import { describe, expect, it } from 'vitest';
import { WireFormatError, capabilities, mlDsa65, mlKem768, sig, wire, x25519 } from '../ts/src/index';

const identity = sig('Ed25519+ML-DSA-65');
const SIG_LEN = identity.lengths.signature;

function keyPackage(id: number, suite: { kemSuite?: string; sigSuite?: string }, publicKey: Uint8Array): Uint8Array {
  return wire.encode({ type: 'key-package', keyId: new Uint8Array(16).fill(id), ...suite, publicKey, created: 1, expires: 2 } as never);
}

function bundle(): Record<string, unknown> {
  return {
    type: 'prekey-bundle',
    capabilities: wire.encode(capabilities()),
    identitySigKey: keyPackage(1, { sigSuite: 'Ed25519+ML-DSA-65' }, identity.keygen().publicKey),
    identityDhKey: keyPackage(2, { kemSuite: 'X25519' }, x25519.keygen().publicKey),
    identityDhSignature: new Uint8Array(SIG_LEN),
    signedPrekey: keyPackage(3, { kemSuite: 'X25519' }, x25519.keygen().publicKey),
    signedPrekeySignature: new Uint8Array(SIG_LEN),
    kemPrekey: keyPackage(4, { kemSuite: 'ML-KEM-768' }, mlKem768.keygen().publicKey),
    kemPrekeySignature: new Uint8Array(SIG_LEN),
    kemPrekeyLastResort: 1,
  };
}

describe('prekey bundle', () => {
  it('round-trips, with nested messages kept as their encodings', () => {
    const bytes = wire.encode(bundle() as never);
    const decoded = wire.decode(bytes, 'prekey-bundle');
    expect(decoded.kemPrekeyLastResort).toBe(1);
    expect(wire.decode(decoded.kemPrekey as Uint8Array, 'key-package').kemSuite).toBe('ML-KEM-768');
    expect(wire.encode(decoded)).toEqual(bytes);
    expect(wire.inspect(bytes)).toContain('nested key-package message');
  });

  it('refuses a KEM prekey that is not ML-KEM', () => {
    const b = bundle();
    b.kemPrekey = keyPackage(4, { kemSuite: 'X25519' }, x25519.keygen().publicKey);
    const e = (() => {
      try {
        wire.encode(b as never);
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(WireFormatError);
    expect(e).toMatchObject({ code: 'INVALID_FIELD', field: 'kemPrekey', tag: 7 });
  });

  it('refuses a signature of the wrong length', () => {
    const b = bundle();
    b.signedPrekeySignature = new Uint8Array(mlDsa65.lengths.signature);
    expect(() => wire.encode(b as never)).toThrow(expect.objectContaining({ code: 'BAD_LENGTH', field: 'signedPrekeySignature' }));
  });

  it('reports an error inside a nested message at its offset in the outer one', () => {
    const bytes = wire.encode(bundle() as never);
    const broken = Uint8Array.from(bytes);
    broken[4 + 6 + 2] = 9; // the nested capabilities' version byte
    try {
      wire.decode(broken);
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: 'UNSUPPORTED_VERSION', offset: 12, field: 'capabilities' });
    }
  });
});
