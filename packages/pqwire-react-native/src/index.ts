/**
 * pqwire for React Native: the same TypeScript API as `pqwire` for the subset a mobile
 * app needs, over a JSI binding of the Rust core (Hermes has no WebAssembly).
 *
 * @example
 * ```ts
 * import { xWing, createIdentity } from 'pqwire-react-native';
 * const { publicKey, secretKey } = xWing.keygen();
 * ```
 * @packageDocumentation
 */
export {
  Kem,
  kem,
  kemSuites,
  mlKem512,
  mlKem768,
  mlKem1024,
  xWing,
  Signature,
  sig,
  sigSuites,
  mlDsa44,
  mlDsa65,
  mlDsa87,
  ed25519,
  Aead,
  aead,
  aeadSuites,
  hkdf,
  sha3_256,
  shake256,
  SHAKE256_MAX_OUTPUT,
} from './primitives';
export type {
  Backend,
  KemSuiteName,
  SigSuiteName,
  AeadSuiteName,
  KemLengths,
  SigLengths,
  AeadLengths,
  KeyPairBytes,
  Encapsulation,
  KemOptions,
  SigOptions,
  SignOptions,
  VerifyOptions,
  Verification,
  HkdfHash,
  HkdfOptions,
} from './primitives';
export {
  createIdentity,
  Identity,
  PublicIdentity,
  DEFAULT_IDENTITY_LIFETIME,
  InMemoryPrekeyStore,
  createPrekeyBundle,
  initiateSession,
  acceptSession,
  Session,
} from './session';
export type {
  IdentityOptions,
  IdentitySuite,
  PrekeyKemSuite,
  CreatePrekeyBundleOptions,
  SessionInfo,
  DecryptedMessage,
  EncryptOptions,
  DecryptOptions,
  DeserializeOptions,
  InitiateOptions,
  InitiatedSession,
  AcceptOptions,
  AcceptedSession,
} from './session';
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
  ChannelError,
  GroupError,
  IdentityChangedError,
  SessionRollbackError,
  SessionConflictError,
  SessionExistsError,
  DisposedError,
} from './errors';
export type { ErrorCode } from './errors';
