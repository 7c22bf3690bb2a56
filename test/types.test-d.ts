/**
 * The public types, pinned: run by `npm test` (vitest's typecheck) and `npm run typecheck`.
 * Each assertion fails the build when the type drifts — wider (`string`, `any`) or
 * narrower — and each `@ts-expect-error` fails when the mistake it shows compiles.
 */
import { describe, expectTypeOf, test } from 'vitest';
import { startKeyService, type KeyServiceCode, type KeyServiceError, type RunningKeyService } from '../ts/src/keyservice';
import {
  aead,
  capabilities,
  channel,
  initiateSession,
  kem,
  sig,
  Session,
  type AuthenticationError,
  type ChannelCode,
  type ChannelError,
  type ChannelSecurityEvent,
  type ClientKeyRequest,
  type DataSignatureOptions,
  type DowngradeCode,
  type Encapsulation,
  type DowngradeError,
  type ErrorCode,
  type Identity,
  type IdentityChangedError,
  type KemSuiteInput,
  type KeyManagementError,
  type PublicIdentity,
  type ReplayError,
  type Verification,
  type SecureChannel,
  type SecureInfo,
  type ServerKey,
  type SessionSecurityEvent,
  type SessionSecurityEventType,
  type SigSuiteInput,
  type AeadSuiteInput,
  type KemSuiteName,
  type VerifyClient,
  type WireErrorCode,
  type WireFormatError,
} from '../ts/src/index';

declare const session: Session;
declare const secure: SecureChannel;
declare const identity: Identity;
declare const bundle: Uint8Array;

describe('events', () => {
  test("Session.on('security') gives a SessionSecurityEvent, not any", () => {
    session.on('security', (e) => {
      expectTypeOf(e).toEqualTypeOf<SessionSecurityEvent>();
      expectTypeOf(e.code).toEqualTypeOf<ErrorCode | undefined>();
      expectTypeOf(e.type).toEqualTypeOf<SessionSecurityEventType>();
    });
    expectTypeOf<'tampered-message'>().toMatchTypeOf<SessionSecurityEventType>();
  });

  test('channel events: typed codes, directions and suites', () => {
    secure.on('security', (e) => expectTypeOf(e).toEqualTypeOf<ChannelSecurityEvent>());
    expectTypeOf<ChannelSecurityEvent['code']>().toEqualTypeOf<ErrorCode | undefined>();
    secure.on('keepalive', (direction) => expectTypeOf(direction).toEqualTypeOf<'send' | 'receive'>());
    secure.on('rekey', (direction) => expectTypeOf(direction).toEqualTypeOf<'send' | 'receive'>());
    expectTypeOf<SecureInfo['kemSuite']>().toEqualTypeOf<KemSuiteName>();
  });
});

describe('error codes', () => {
  test('ErrorCode is a union of literals, and each class narrows code to its own', () => {
    expectTypeOf<'NOT_A_CODE'>().not.toMatchTypeOf<ErrorCode>();
    expectTypeOf<string>().not.toMatchTypeOf<ErrorCode>();
    expectTypeOf<DowngradeError['code']>().toEqualTypeOf<DowngradeCode>();
    expectTypeOf<DowngradeCode>().toEqualTypeOf<'NO_COMMON_SUITE' | 'NO_COMMON_VERSION' | 'PQ_REQUIRED' | 'VERSION_ROLLBACK' | 'TRANSCRIPT_MISMATCH'>();
    expectTypeOf<ChannelError['code']>().toEqualTypeOf<ChannelCode>();
    expectTypeOf<ChannelCode>().toEqualTypeOf<'OUT_OF_ORDER' | 'STALE_PACKET' | 'PACKET_TOO_LARGE' | 'DEAD_PEER' | 'PROTOCOL_ERROR'>();
    expectTypeOf<ReplayError['code']>().toEqualTypeOf<'REPLAYED' | 'TOO_MANY_SKIPPED' | 'STALE_MESSAGE'>();
    expectTypeOf<KeyManagementError['code']>().toEqualTypeOf<'KEY_EXPIRED' | 'UNKNOWN_KEY' | 'PREKEY_REUSED'>();
    expectTypeOf<AuthenticationError['code']>().toEqualTypeOf<'AUTH_FAILED' | 'GROUP_UNBOUND_CREDENTIAL'>();
    expectTypeOf<WireFormatError['code']>().toEqualTypeOf<WireErrorCode>();
    expectTypeOf<'BAD_LENGTH' | 'TAG_ORDER' | 'UNKNOWN_SUITE'>().toMatchTypeOf<WireErrorCode>();
    expectTypeOf<'AUTH_FAILED'>().not.toMatchTypeOf<WireErrorCode>();
  });

  test('IdentityChangedError carries both identities, ready for trustIdentity', () => {
    expectTypeOf<IdentityChangedError['identity']>().toEqualTypeOf<PublicIdentity>();
    expectTypeOf<IdentityChangedError['pinned']>().toEqualTypeOf<PublicIdentity>();
    expectTypeOf<IdentityChangedError['address']>().toEqualTypeOf<string>();
  });
});

describe('suite names', () => {
  test('kem(), sig(), aead() and capabilities() take literal unions, legacy aliases included', () => {
    expectTypeOf(kem).parameter(0).toEqualTypeOf<KemSuiteInput>();
    expectTypeOf(sig).parameter(0).toEqualTypeOf<SigSuiteInput>();
    expectTypeOf(aead).parameter(0).toEqualTypeOf<AeadSuiteInput>();
    expectTypeOf<'X25519+Kyber768' | 'X-Wing' | 'Kyber512'>().toMatchTypeOf<KemSuiteInput>();
    expectTypeOf<'Dilithium3'>().toMatchTypeOf<SigSuiteInput>();
    expectTypeOf<string>().not.toMatchTypeOf<KemSuiteInput>();
    // @ts-expect-error a typo fails at compile time
    kem('X25519+ML-KEM-786');
    // @ts-expect-error
    sig('ML-DSA-66');
    // @ts-expect-error
    capabilities({ kexSuites: ['X25519+ML-KEM-786'] });
    capabilities({ kexSuites: ['X25519+Kyber768', 0x647a], sigSuites: ['Dilithium3'] });
  });
});

describe('session calls', () => {
  test('unknown options do not compile (and are refused at run time)', () => {
    // @ts-expect-error `polcy` is not an option
    void initiateSession(bundle, { identity, polcy: 'pq-required' });
    // @ts-expect-error
    session.encrypt(new Uint8Array(1), { ad: new Uint8Array(1) });
    // @ts-expect-error
    Session.deserialize(new Uint8Array(1), { minEpoch: 1 });
    expectTypeOf(session.decryptAsync).returns.resolves.toHaveProperty('plaintext');
  });

  test('Identity.sign / verify', () => {
    expectTypeOf(identity.sign).toEqualTypeOf<(data: Uint8Array, options?: DataSignatureOptions) => Uint8Array>();
    expectTypeOf(identity.publicIdentity.verify).returns.toEqualTypeOf<boolean>();
    expectTypeOf(identity.publicIdentity.verifyAsync).returns.toEqualTypeOf<Promise<boolean>>();
  });
});

describe('channel keys and client verification', () => {
  test('generateKey / generateClientKey make ServerKeys; verifyClient returns a key or undefined', () => {
    expectTypeOf(channel.generateClientKey).returns.toEqualTypeOf<ServerKey>();
    expectTypeOf(channel.generateKey).toEqualTypeOf(channel.generateServerKey);
    expectTypeOf<VerifyClient>().parameter(0).toEqualTypeOf<ClientKeyRequest>();
    expectTypeOf<ReturnType<VerifyClient>>().toEqualTypeOf<Uint8Array | undefined | Promise<Uint8Array | undefined>>();
  });
});

describe('batch operations and lockable key pairs', () => {
  const k = kem('X25519+ML-KEM-1024');
  const s = sig('Ed25519+ML-DSA-87');
  test('batches resolve to one result per item', () => {
    expectTypeOf(k.encapsulateBatch).returns.resolves.toEqualTypeOf<Encapsulation[]>();
    expectTypeOf(k.decapsulateBatch).returns.resolves.toEqualTypeOf<Uint8Array[]>();
    expectTypeOf(s.verifyBatch).returns.resolves.toEqualTypeOf<Verification[]>();
    expectTypeOf(s.signBatch).returns.resolves.toEqualTypeOf<Uint8Array[]>();
    // @ts-expect-error a batch takes an array of keys, not one
    void k.encapsulateBatch(new Uint8Array(1));
  });
  test('lockable is a boolean option; lockMemory() answers a boolean', () => {
    expectTypeOf(k.generateKeyPair(undefined, { lockable: true }).lockMemory).returns.toEqualTypeOf<boolean>();
    expectTypeOf(s.generateKeyPair(undefined, { lockable: true }).lockMemory).returns.toEqualTypeOf<boolean>();
    // @ts-expect-error
    k.generateKeyPair(undefined, { lockable: 'yes' });
  });
});

describe('pqwire/keyservice', () => {
  test('error codes are a literal union; startKeyService takes typed options', () => {
    expectTypeOf<KeyServiceError['code']>().toEqualTypeOf<KeyServiceCode>();
    expectTypeOf<'UNAUTHORIZED'>().toMatchTypeOf<KeyServiceCode>();
    // @ts-expect-error not a key-service code
    expectTypeOf<'UNAUTHORISED'>().toMatchTypeOf<KeyServiceCode>();
    expectTypeOf(startKeyService).returns.resolves.toEqualTypeOf<RunningKeyService>();
    // @ts-expect-error `socket` is required
    void startKeyService({ tokenFile: 't' });
  });
});
