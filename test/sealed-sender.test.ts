/**
 * Sealed sender's formats (ts/src/sealed-sender.ts): sender certificates, sealing keys
 * and sealed envelopes, with every check shown firing.
 */
import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  KeyManagementError,
  WireFormatError,
  createIdentity,
  createSealingKey,
  isSealed,
  issueSenderCertificate,
  seal,
  sealedKeyId,
  sealingKeyId,
  unseal,
  verifySealingKey,
  verifySenderCertificate,
  xWing,
} from '../ts/src/index';
import { expectThrow } from './helpers';

const server = createIdentity();
const alice = createIdentity();
const bob = createIdentity();
const facts = { account: 'alice', device: 3, fingerprint: alice.publicIdentity.fingerprint, expires: 2_000_000_000 };
const certificate = issueSenderCertificate(server, facts);
const bobKey = createSealingKey(bob);
const bobPublic = verifySealingKey(bobKey.public, bob.publicIdentity);
const message = new TextEncoder().encode('a session message');

describe('sender certificates', () => {
  it('state the account, device, fingerprint and expiry, signed by the server', () => {
    expect(verifySenderCertificate(certificate, server.publicIdentity, 1_900_000_000)).toEqual(facts);
  });

  it('refuse another signer, any changed byte, expiry and malformed bytes', () => {
    expectThrow(() => verifySenderCertificate(certificate, createIdentity().publicIdentity, 1), AuthenticationError, 'AUTH_FAILED');
    for (const at of [6, 12, 30, certificate.length - 1]) {
      const tampered = Uint8Array.from(certificate);
      tampered[at]! ^= 1;
      expect(() => verifySenderCertificate(tampered, server.publicIdentity, 1), `byte ${at}`).toThrow();
    }
    const renamed = Uint8Array.from(certificate);
    renamed[6] = 'b'.charCodeAt(0); // 'alice' → 'blice': the signature no longer covers it
    expectThrow(() => verifySenderCertificate(renamed, server.publicIdentity, 1), AuthenticationError, 'AUTH_FAILED');
    expectThrow(() => verifySenderCertificate(certificate, server.publicIdentity, facts.expires), KeyManagementError, 'KEY_EXPIRED');
    expectThrow(() => verifySenderCertificate(certificate.subarray(0, 20), server.publicIdentity, 1), WireFormatError, 'TRUNCATED');
    const magic = Uint8Array.from(certificate);
    magic[0] = 0;
    expectThrow(() => verifySenderCertificate(magic, server.publicIdentity, 1), WireFormatError, 'BAD_MAGIC');
    const version = Uint8Array.from(certificate);
    version[4] = 2;
    expectThrow(() => verifySenderCertificate(version, server.publicIdentity, 1), WireFormatError, 'UNSUPPORTED_VERSION');
  });

  it('are issued only for well-formed facts', () => {
    expect(() => issueSenderCertificate(server, { ...facts, fingerprint: 'xyz' })).toThrow(/fingerprint/);
    expect(() => issueSenderCertificate(server, { ...facts, device: 0 })).toThrow(/device/);
    expect(() => issueSenderCertificate(server, { ...facts, account: '' })).toThrow(/account/);
  });
});

describe('sealing keys', () => {
  it('are X-Wing keys signed by the identity; another identity or a swapped key is refused', () => {
    expect(bobPublic.length).toBe(xWing.lengths.publicKey);
    expectThrow(() => verifySealingKey(bobKey.public, alice.publicIdentity), AuthenticationError, 'AUTH_FAILED');
    const other = createSealingKey(alice);
    expectThrow(() => verifySealingKey({ publicKey: other.public.publicKey, signature: bobKey.public.signature }, bob.publicIdentity), AuthenticationError, 'AUTH_FAILED');
    expectThrow(() => verifySealingKey({ publicKey: 'zz', signature: bobKey.public.signature }, bob.publicIdentity), AuthenticationError, 'AUTH_FAILED');
  });

  it('come back the same from their seed', () => {
    expect(createSealingKey(bob, bobKey.seed).public.publicKey).toBe(bobKey.public.publicKey);
  });
});

describe('sealed envelopes', () => {
  const sealed = seal(bobPublic, certificate, message);

  it('open with the recipient key to the certificate and the message; name the key', () => {
    expect(isSealed(sealed)).toBe(true);
    expect(isSealed(message)).toBe(false);
    expect(sealedKeyId(sealed)).toBe(sealingKeyId(bobPublic));
    const opened = unseal(bobKey.seed, sealed);
    expect(opened.certificate).toEqual(certificate);
    expect(opened.message).toEqual(message);
    // Fresh randomness every time: two seals of the same message differ.
    expect(seal(bobPublic, certificate, message)).not.toEqual(sealed);
  });

  it('refuse another key, every tampered region, truncation and bad headers', () => {
    expectThrow(() => unseal(createSealingKey(bob).seed, sealed), AuthenticationError, 'AUTH_FAILED');
    for (const at of [5, 20, 500, sealed.length - 20, sealed.length - 1]) {
      const tampered = Uint8Array.from(sealed);
      tampered[at]! ^= 1;
      expectThrow(() => unseal(bobKey.seed, tampered), AuthenticationError, 'AUTH_FAILED');
    }
    expectThrow(() => unseal(bobKey.seed, sealed.subarray(0, 1_000)), WireFormatError, 'TRUNCATED');
    const version = Uint8Array.from(sealed);
    version[4] = 9;
    expectThrow(() => unseal(bobKey.seed, version), WireFormatError, 'UNSUPPORTED_VERSION');
    expectThrow(() => unseal(bobKey.seed, message), WireFormatError, 'BAD_MAGIC');
    expectThrow(() => sealedKeyId(message), WireFormatError, 'BAD_MAGIC');
  });
});
