/**
 * The interface of the JSI module (cpp/PqwireHostObject.cpp): the global object
 * `__pqwire` it installs. Every method maps to one function of the C ABI
 * (crates/pqwire-ffi/include/pqwire.h). Byte inputs are `Uint8Array`s, byte outputs
 * fresh `Uint8Array`s; a failure throws an `Error` with the stable `code`, which
 * {@link call} turns into the typed class. Handles are numbers naming objects held in
 * native memory (identities, prekey stores, sessions) until `handleFree`.
 *
 * The tests install a Node implementation of this interface over the same C ABI
 * (test/koffi-native.ts), so the adapter runs unchanged on Node.
 */

/** Sizes of a KEM suite. */
export interface NativeKemLengths {
  publicKey: number;
  secretKey: number;
  cipherText: number;
  sharedSecret: number;
  keygenSeed: number;
  encapsulationRandomness: number;
}

/** Sizes of a signature suite. */
export interface NativeSigLengths {
  publicKey: number;
  secretKey: number;
  signature: number;
  keygenSeed: number;
  signingRandomness: number;
}

/** A session's public facts. */
export interface NativeSessionInfo {
  epoch: number;
  pqSteps: number;
  establishedAt: number;
  kemSuite: number;
  sigSuite: number;
  aeadSuite: number;
  /** 0: initiator; 1: responder. */
  role: number;
  postQuantum: boolean;
  hybridAuth: boolean;
  peerConfirmed: boolean;
  sessionId: Uint8Array;
  localIdentity: Uint8Array;
  peerIdentity: Uint8Array;
}

type Bytes = Uint8Array;
type Optional = Uint8Array | null;

/** The JSI module's methods. */
export interface PqwireNative {
  abiVersion(): number;
  /** `CODE kind` lines. */
  errorCodes(): string;
  kemSuite(name: string): number;
  kemSuiteName(code: number): string;
  /** Names, one per line. */
  kemSuiteNames(): string;
  kemLengths(code: number): NativeKemLengths;
  kemKeygen(code: number, seed: Optional): [Bytes, Bytes];
  kemEncapsulate(code: number, publicKey: Bytes, randomness: Optional): [Bytes, Bytes];
  kemDecapsulate(code: number, cipherText: Bytes, secretKey: Bytes): Bytes;
  sigSuite(name: string): number;
  sigSuiteName(code: number): string;
  sigSuiteNames(): string;
  sigLengths(code: number): NativeSigLengths;
  sigKeygen(code: number, seed: Optional): [Bytes, Bytes];
  /** `mode`: 0 hedged, 1 deterministic, 2 given `randomness`. */
  sigSign(code: number, message: Bytes, secretKey: Bytes, context: Bytes, mode: number, randomness: Optional): Bytes;
  /** `[valid, classicValid, quantumValid]`. */
  sigVerify(code: number, signature: Bytes, message: Bytes, publicKey: Bytes, context: Bytes): [boolean, boolean, boolean];
  aeadSuite(name: string): number;
  aeadSuiteName(code: number): string;
  aeadSuiteNames(): string;
  aeadSeal(code: number, key: Bytes, nonce: Bytes, plaintext: Bytes, associatedData: Bytes): Bytes;
  aeadOpen(code: number, key: Bytes, nonce: Bytes, sealed: Bytes, associatedData: Bytes): Bytes;
  hkdf(hash: string, ikm: Bytes, salt: Bytes, info: Bytes, length: number): Bytes;
  sha3_256(data: Bytes): Bytes;
  shake256(data: Bytes, length: number): Bytes;
  identityGenerate(suite: number, created: number, lifetime: number, seed: Optional): number;
  identityImport(record: Bytes): number;
  identityExport(identity: number): Bytes;
  /** `[fingerprint, suite code]`. */
  identityPublic(identity: number): [Bytes, number];
  prekeyStoreNew(): number;
  prekeyStoreCount(store: number): number;
  prekeyBundleCreate(identity: number, store: number, kem: number, oneTime: boolean, oneTimeKem: boolean, now: number): Bytes;
  /** `[session, initial message]`. */
  sessionInitiate(identity: number, bundle: Bytes, plaintext: Bytes, associatedData: Bytes, now: number): [number, Bytes];
  /** `[session, plaintext, associated data]`. */
  sessionAccept(identity: number, store: number, initialMessage: Bytes, now: number): [number, Bytes, Bytes];
  sessionEncrypt(session: number, plaintext: Bytes, associatedData: Bytes, now: number): Bytes;
  /** `[plaintext, associated data]`. */
  sessionDecrypt(session: number, message: Bytes, now: number): [Bytes, Bytes];
  sessionSerialize(session: number): Bytes;
  sessionDeserialize(record: Bytes, minimumEpoch: number | null): number;
  sessionInfo(session: number): NativeSessionInfo;
  handleFree(handle: number): void;
}

/** The ABI version this adapter was written for (`PQW_ABI_VERSION`). */
export const ABI_VERSION = 1;

declare const globalThis: { __pqwire?: PqwireNative };
// Metro's `require`, without depending on Node's types.
declare const require: (id: string) => unknown;

let cached: PqwireNative | undefined;

/**
 * The JSI module: `global.__pqwire`, installed by the native module's `install()` (a
 * synchronous TurboModule method called here on first use).
 */
export function native(): PqwireNative {
  if (cached) return cached;
  if (!globalThis.__pqwire) {
    // Only in a React Native app: the tests install `__pqwire` before the first call.
    const { NativeModules } = require('react-native') as {
      NativeModules: Record<string, { install?: () => boolean } | undefined>;
    };
    const installed = NativeModules.PqwireReactNative?.install?.() ?? false;
    if (!installed || !globalThis.__pqwire) {
      throw new Error('pqwire-react-native: the native module is not linked (pod install, or a rebuild of the Android app)');
    }
  }
  const n = globalThis.__pqwire;
  if (n.abiVersion() !== ABI_VERSION) {
    throw new Error(`pqwire-react-native: native ABI ${n.abiVersion()}, this package needs ${ABI_VERSION}`);
  }
  cached = n;
  return n;
}
