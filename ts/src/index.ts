/**
 * pqwire: post-quantum hybrid messaging cryptography for Node.js, on a native Rust core.
 *
 * @example
 * ```ts
 * import { xWing, sig, aead, hkdf } from 'pqwire';
 * const { publicKey, secretKey } = xWing.keygen();
 * const { cipherText, sharedSecret } = xWing.encapsulate(publicKey);
 * const key = hkdf('SHA-256', sharedSecret, { info: new TextEncoder().encode('demo'), length: 32 });
 * ```
 * @packageDocumentation
 */
// Loads the native addon now, so that a missing or broken binary fails `require('pqwire')`
// itself; the compiled entry loads every other module on first use (scripts/lazy-entry.js).
import './native';
export { Kem, kem, kemSuites, mlKem512, mlKem768, mlKem1024, xWing } from './kem';
export type { KemLengths, KemOptions, KeyPairBytes, Encapsulation } from './kem';
export { Signature, sig, sigSuites, mlDsa44, mlDsa65, mlDsa87, ed25519 } from './sig';
export type { SigLengths, SigOptions, SignOptions, VerifyOptions, Verification, VerifyBatchItem } from './sig';
export { KemKeyPair } from './kem-keypair';
export type { KeyPairOptions } from './options';
export { SigKeyPair } from './sig-keypair';
export { MAX_BATCH_ITEMS } from './batch';
export { Aead, aead, aeadSuites } from './aead';
export type { AeadLengths } from './aead';
export { hkdf } from './kdf';
export type { HkdfHash, HkdfOptions } from './kdf';
export { sha3_256, shake256, SHAKE256_MAX_OUTPUT } from './hash';
export { x25519 } from './x25519';
export { wire, decode as decodeMessage, encode as encodeMessage, inspect as inspectMessage } from './wire';
export type {
  WireMessage,
  WireMessageType,
  CapabilitiesMessage,
  KeyPackageMessage,
  EnvelopeMessage,
  PrekeyBundleMessage,
  PrekeyBatchMessage,
  PrekeyUploadMessage,
  InitialMessage,
  RatchetMessage,
  ChannelServerKeyMessage,
  ConnectRequestMessage,
  ConnectResponseMessage,
  ExchangeRequestMessage,
  ExchangeResponseMessage,
  Extension,
  FeatureName,
} from './wire';
export { capabilities, negotiate, negotiateMls, verifyTranscript, Negotiator, FEATURES } from './negotiation';
export type { CapabilitiesInput, NegotiateOptions, Negotiated } from './negotiation';
export { PolicyStore } from './policy';
export type { Policy, PolicyName, PolicyInput, PolicyScope } from './policy';
export type { SecurityEvent, SecurityEventType, SecurityEventListener, Offer, Choice } from './security-events';
export type {
  KemSuiteName,
  SigSuiteName,
  AeadSuiteName,
  KemSuiteAlias,
  SigSuiteAlias,
  AeadSuiteAlias,
  KemSuiteInput,
  SigSuiteInput,
  AeadSuiteInput,
  Backend,
} from './suites';
export { createIdentity, Identity, PublicIdentity, DEFAULT_IDENTITY_LIFETIME } from './identity';
export type { IdentityOptions, IdentitySuite, DataSignatureOptions } from './identity';
export {
  generatePrekeys,
  createPrekeyBatch,
  assemblePrekeyBundle,
  PrekeyBundleAssembler,
  verifyPrekeyUpload,
  createPrekeyBundle,
  DEFAULT_BATCH_SIZE,
  DEFAULT_SIGNED_PREKEY_LIFETIME,
  DEFAULT_ONE_TIME_PREKEY_LIFETIME,
} from './prekeys';
export type {
  GeneratePrekeysOptions,
  CreatePrekeyBatchOptions,
  AssemblePrekeyBundleOptions,
  PrekeyUploadFacts,
  CreatePrekeyBundleOptions,
  PrekeyKemSuite,
} from './prekeys';
export {
  InMemoryIdentityStore,
  InMemoryPrekeyStore,
  InMemorySessionStore,
  sessionSaveAllowed,
  MAX_PREVIOUS_SESSIONS,
  checkPeerIdentity,
  trustIdentity,
  saveLocalIdentity,
} from './stores';
export type { IdentityStore, PrekeyStore, SessionStore, StoredPrekey, StoredSession, StoredPreviousSession, SessionSave, PrekeyKind } from './stores';
export { Session } from './session';
export type { SessionInfo, DecryptedMessage } from './session';
export { initiateSession, acceptSession } from './handshake';
export type { InitiatedSession, AcceptedSession } from './handshake';
export type { SessionSecurityEvent, SessionSecurityEventType, SessionSecurityEventListener, SessionEvents } from './session-events';
export type {
  RatchetOptions,
  HandshakeOptions,
  HandshakeThread,
  InitiateOptions,
  AcceptOptions,
  EncryptOptions,
  DecryptOptions,
  DeserializeOptions,
  LoadOptions,
} from './session-options';
export { importLegacyKeypair, promoteToHybrid, verifyContinuity, rekeyAllSessions, LegacyKeypair } from './migration';
export type { RawLegacyKey, OkpJwk, PromoteOptions, Promoted } from './migration';
export {
  issueSenderCertificate,
  verifySenderCertificate,
  createSealingKey,
  verifySealingKey,
  seal,
  unseal,
  isSealed,
  sealedKeyId,
  sealingKeyId,
  SENDER_CERTIFICATE_CONTEXT,
  SEALING_KEY_CONTEXT,
} from './sealed-sender';
export type { SenderCertificateFacts, PublicSealingKey, SealingKey } from './sealed-sender';
export { channel, ServerKey, SecureChannel, ChannelServer } from './channel';
export { GroupMember, InMemoryGroupStore, mlsSuites } from './groups';
export type { GroupCommit, GroupMessage, GroupMemberInfo, GroupMemberOptions, GroupStore, MlsSuite, MlsSuiteName, StoredGroupMember } from './groups';
export type {
  ServerKeyInfo,
  GenerateServerKeyOptions,
  SecureInfo,
  CloseReason,
  SecureChannelEvents,
  WrapOptions,
  WrapClientOptions,
  WrapServerOptions,
  CreateServerOptions,
  ChannelServerEvents,
  ConnectOptions,
  ChannelMode,
  ChannelOptions,
  ClientChannelOptions,
  ServerChannelOptions,
  ChannelSecurityEvent,
  ChannelSecurityEventType,
  ChannelSecurityEventListener,
  ClientKeyRequest,
  VerifyClient,
} from './channel';
export {
  PqwireError,
  InvalidLengthError,
  InvalidTypeError,
  InvalidArgumentError,
  UnknownSuiteError,
  InvalidKeyError,
  AuthenticationError,
  UnsupportedError,
  RandomnessError,
  OutputTooLongError,
  InternalError,
  WireFormatError,
  DowngradeError,
  ReplayError,
  KeyManagementError,
  IdentityChangedError,
  SessionRollbackError,
  SessionConflictError,
  SessionExistsError,
  DisposedError,
  ChannelError,
  GroupError,
} from './errors';
export type { ErrorCode, WireErrorCode, DowngradeCode, ReplayCode, KeyManagementCode, ChannelCode, GroupErrorCode, WireErrorLocation, IdentityChange } from './errors';
