import { describe, expect, it } from 'vitest';
import { createIdentity, Identity, InvalidArgumentError, InvalidTypeError, PublicIdentity, sig } from '../ts/src/index';
import { bad, bytes, expectReject, expectThrow, flip, utf8 } from './helpers';

const LOGIN = utf8('example.com login v1');

describe('Identity.sign / PublicIdentity.verify: application data under a context', () => {
  const me = createIdentity({ seed: bytes(32, 7) });
  const other = createIdentity({ seed: bytes(32, 8) });
  const challenge = bytes(48, 3);

  it('a signature verifies with the same data, context and identity, and with nothing else', () => {
    const s = me.sign(challenge, { context: LOGIN });
    expect(s.length).toBe(sig('Ed25519+ML-DSA-65').lengths.signature);
    expect(me.publicIdentity.verify(s, challenge, { context: LOGIN })).toBe(true);
    expect(me.verify(s, challenge, { context: LOGIN })).toBe(true);
    expect(me.publicIdentity.verify(s, flip(challenge, 0), { context: LOGIN })).toBe(false);
    expect(me.publicIdentity.verify(s, challenge, { context: utf8('example.com login v2') })).toBe(false);
    expect(me.publicIdentity.verify(s, challenge)).toBe(false);
    expect(other.publicIdentity.verify(s, challenge, { context: LOGIN })).toBe(false);
    // Either half tampered: both halves must hold.
    expect(me.publicIdentity.verify(flip(s, 3), challenge, { context: LOGIN })).toBe(false);
    expect(me.publicIdentity.verify(flip(s, 100), challenge, { context: LOGIN })).toBe(false);
    expect(me.publicIdentity.verify(s.subarray(1), challenge, { context: LOGIN })).toBe(false);
  });

  it('works from a public identity restored from JSON, and without a context', () => {
    const s = me.sign(challenge);
    const restored = PublicIdentity.fromJSON(JSON.parse(JSON.stringify(me.publicIdentity)));
    expect(restored.verify(s, challenge)).toBe(true);
    expect(restored.verify(s, challenge, { context: LOGIN })).toBe(false);
  });

  it('is no plain signature of the signing key: a protocol signature cannot be made with it', () => {
    const s = me.sign(challenge, { context: LOGIN });
    const signingKey = me.publicIdentity.signingKey;
    // The raw hybrid public key sits at the end of the key package; the signature is not one over the data.
    const raw = signingKey.subarray(signingKey.length - sig('Ed25519+ML-DSA-65').lengths.publicKey);
    expect(sig('Ed25519+ML-DSA-65').verify(s, challenge, raw, { context: LOGIN }).valid).toBe(false);
  });

  it('async forms agree with the sync ones', async () => {
    const s = await me.signAsync(challenge, { context: LOGIN });
    expect(me.publicIdentity.verify(s, challenge, { context: LOGIN })).toBe(true);
    expect(await me.publicIdentity.verifyAsync(s, challenge, { context: LOGIN })).toBe(true);
    expect(await me.publicIdentity.verifyAsync(s, challenge)).toBe(false);
  });

  it('refuses bad input with typed errors', async () => {
    expectThrow(() => me.sign(bad('text')), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => me.sign(challenge, { context: bytes(256) }), InvalidArgumentError, 'INVALID_ARGUMENT');
    expectThrow(() => me.sign(challenge, { context: bad('login') }), InvalidTypeError, 'INVALID_TYPE');
    // @ts-expect-error a misspelt option is refused, not ignored
    expectThrow(() => me.sign(challenge, { ctx: LOGIN }), InvalidArgumentError, 'INVALID_ARGUMENT');
    expectThrow(() => me.publicIdentity.verify(bad(null), challenge), InvalidTypeError, 'INVALID_TYPE');
    await expectReject(() => me.signAsync(challenge, { context: bytes(300) }), InvalidArgumentError, 'INVALID_ARGUMENT');
    const disposed = Identity.import(createIdentity().export());
    disposed.dispose();
    expect(() => disposed.sign(challenge)).toThrow(/disposed/);
  });
});
