/**
 * KEM, signatures, AEAD, HKDF and hashes: the classes and functions of `pqwire` with the
 * same names and behaviour, synchronous (JSI calls are), on the suite's default backend
 * of the pure-Rust build.
 */
import { native, type NativeKemLengths, type NativeSigLengths } from './native';
import { bytes, length, optionalBytes, options, orEmpty, text } from './bytes';
import { call, makeError } from './errors';

/** The implementation in use: React Native builds have the default (pure-Rust) one only. */
export type Backend = 'default';

/** Canonical KEM suite names. */
export type KemSuiteName =
  | 'X25519+ML-KEM-768'
  | 'X25519+ML-KEM-1024'
  | 'X25519+ML-KEM-512'
  | 'ML-KEM-1024'
  | 'ML-KEM-768'
  | 'ML-KEM-512'
  | 'X25519';
/** Canonical signature suite names. */
export type SigSuiteName = 'Ed25519+ML-DSA-65' | 'Ed25519+ML-DSA-87' | 'ML-DSA-87' | 'ML-DSA-65' | 'ML-DSA-44' | 'Ed25519';
/** Canonical AEAD suite names. */
export type AeadSuiteName = 'ChaCha20-Poly1305' | 'AES-256-GCM';

/** Sizes, in bytes, of everything a KEM suite takes or returns. */
export type KemLengths = Readonly<NativeKemLengths>;
/** Sizes, in bytes, of everything a signature suite takes or returns. */
export type SigLengths = Readonly<NativeSigLengths>;
/** Sizes of an AEAD's key, nonce and tag. */
export interface AeadLengths {
  readonly key: number;
  readonly nonce: number;
  readonly tag: number;
}

/** A key pair as bytes. */
export interface KeyPairBytes {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

/** The result of an encapsulation. */
export interface Encapsulation {
  cipherText: Uint8Array;
  sharedSecret: Uint8Array;
}

/** Options of {@link kem} and {@link sig}. */
export interface KemOptions {
  /** Only `'default'` on React Native. */
  backend?: Backend;
}
/** Options of {@link sig}. */
export type SigOptions = KemOptions;

function backendOption(o: KemOptions | undefined): Backend {
  const b = options(o, ['backend'])['backend'] ?? 'default';
  if (b !== 'default') {
    throw makeError('UNSUPPORTED', `backend ${JSON.stringify(b)} is not built into pqwire-react-native (the pure-Rust set only)`);
  }
  return 'default';
}

/** One KEM suite. Obtain instances with {@link kem} or the named constants. */
export class Kem {
  readonly name: KemSuiteName;
  readonly backend: Backend = 'default';
  readonly lengths: KemLengths;
  readonly postQuantum: boolean;
  readonly hybrid: boolean;
  readonly #code: number;

  /** @internal Use {@link kem}. */
  constructor(code: number) {
    this.#code = code;
    this.name = call(() => native().kemSuiteName(code)) as KemSuiteName;
    this.lengths = Object.freeze(call(() => native().kemLengths(code)));
    this.postQuantum = this.name.includes('ML-KEM');
    this.hybrid = this.postQuantum && this.name.includes('X25519');
    Object.freeze(this);
  }

  /** Generates a key pair; deterministic when `seed` (`lengths.keygenSeed` bytes) is given. */
  keygen(seed?: Uint8Array): KeyPairBytes {
    const s = optionalBytes('seed', seed, this.lengths.keygenSeed);
    const [publicKey, secretKey] = call(() => native().kemKeygen(this.#code, s));
    return { publicKey, secretKey };
  }

  /** Encapsulates to `publicKey`; deterministic when `randomness` is given. */
  encapsulate(publicKey: Uint8Array, randomness?: Uint8Array): Encapsulation {
    const pk = bytes('publicKey', publicKey, this.lengths.publicKey);
    const r = optionalBytes('randomness', randomness, this.lengths.encapsulationRandomness);
    const [cipherText, sharedSecret] = call(() => native().kemEncapsulate(this.#code, pk, r));
    return { cipherText, sharedSecret };
  }

  /** Decapsulates. For ML-KEM a tampered ciphertext yields a different (implicit-rejection) secret, not an error. */
  decapsulate(cipherText: Uint8Array, secretKey: Uint8Array): Uint8Array {
    const ct = bytes('cipherText', cipherText, this.lengths.cipherText);
    const sk = bytes('secretKey', secretKey, this.lengths.secretKey);
    return call(() => native().kemDecapsulate(this.#code, ct, sk));
  }
}

const kems = new Map<number, Kem>();

/** The KEM suite `name` (canonical name or legacy alias, case-insensitive). */
export function kem(name: string, options?: KemOptions): Kem {
  const n = text('name', name);
  backendOption(options);
  const code = call(() => native().kemSuite(n));
  let k = kems.get(code);
  if (!k) {
    k = new Kem(code);
    kems.set(code, k);
  }
  return k;
}

function names(list: string): readonly string[] {
  return Object.freeze(list.split('\n').filter((s) => s.length > 0));
}

/** Every KEM suite name, most preferred first. */
export const kemSuites = names(call(() => native().kemSuiteNames())) as readonly KemSuiteName[];
/** ML-KEM-512 (FIPS 203, category 1). */
export const mlKem512: Kem = kem('ML-KEM-512');
/** ML-KEM-768 (FIPS 203, category 3). */
export const mlKem768: Kem = kem('ML-KEM-768');
/** ML-KEM-1024 (FIPS 203, category 5). */
export const mlKem1024: Kem = kem('ML-KEM-1024');
/** X-Wing: X25519 + ML-KEM-768. */
export const xWing: Kem = kem('X25519+ML-KEM-768');

/** Options of every `sign` call. */
export interface SignOptions {
  /** FIPS 204 context string, at most 255 bytes (ML-DSA and hybrids; Ed25519 takes none). */
  context?: Uint8Array;
  /** Caller-supplied signing randomness (32 bytes). */
  randomness?: Uint8Array;
  /** Use the deterministic variant. Default: hedged with fresh OS randomness. */
  deterministic?: boolean;
}

/** Options of every `verify` call. */
export interface VerifyOptions {
  context?: Uint8Array;
}

/** The outcome of a verification. For a hybrid, `valid` holds only when both halves hold. */
export interface Verification {
  valid: boolean;
  classicValid: boolean;
  quantumValid: boolean;
  algorithm: SigSuiteName;
}

function context(value: unknown): Uint8Array {
  const c = optionalBytes('context', value);
  if (c && c.length > 255) throw makeError('INVALID_ARGUMENT', `context must be at most 255 bytes, got ${c.length}`);
  return orEmpty(c);
}

/** One signature suite. Obtain instances with {@link sig} or the named constants. */
export class Signature {
  readonly name: SigSuiteName;
  readonly backend: Backend = 'default';
  readonly lengths: SigLengths;
  readonly postQuantum: boolean;
  readonly hybrid: boolean;
  readonly #code: number;

  /** @internal Use {@link sig}. */
  constructor(code: number) {
    this.#code = code;
    this.name = call(() => native().sigSuiteName(code)) as SigSuiteName;
    this.lengths = Object.freeze(call(() => native().sigLengths(code)));
    this.postQuantum = this.name.includes('ML-DSA');
    this.hybrid = this.postQuantum && this.name.includes('Ed25519');
    Object.freeze(this);
  }

  /** Generates a key pair; deterministic when `seed` is given. */
  keygen(seed?: Uint8Array): KeyPairBytes {
    const s = optionalBytes('seed', seed, this.lengths.keygenSeed);
    const [publicKey, secretKey] = call(() => native().sigKeygen(this.#code, s));
    return { publicKey, secretKey };
  }

  /** Signs `message` (hedged by default). */
  sign(message: Uint8Array, secretKey: Uint8Array, signOptions: SignOptions = {}): Uint8Array {
    const m = bytes('message', message);
    const sk = bytes('secretKey', secretKey, this.lengths.secretKey);
    const o = options(signOptions, ['context', 'randomness', 'deterministic']);
    const ctx = context(o['context']);
    const deterministic = o['deterministic'];
    if (deterministic !== undefined && typeof deterministic !== 'boolean') {
      throw makeError('INVALID_TYPE', 'deterministic must be a boolean');
    }
    const rnd = optionalBytes('randomness', o['randomness'], 32);
    if (rnd && deterministic) throw makeError('INVALID_ARGUMENT', 'randomness and deterministic cannot be combined');
    const mode = rnd ? 2 : deterministic ? 1 : 0;
    return call(() => native().sigSign(this.#code, m, sk, ctx, mode, rnd));
  }

  /** Verifies; a wrong signature is `valid: false`, a public key of the wrong length an error. */
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array, verifyOptions: VerifyOptions = {}): Verification {
    const s = bytes('signature', signature);
    const m = bytes('message', message);
    const pk = bytes('publicKey', publicKey, this.lengths.publicKey);
    const ctx = context(options(verifyOptions, ['context'])['context']);
    const [valid, classicValid, quantumValid] = call(() => native().sigVerify(this.#code, s, m, pk, ctx));
    return { valid, classicValid, quantumValid, algorithm: this.name };
  }
}

const sigs = new Map<number, Signature>();

/** The signature suite `name` (canonical name or alias, case-insensitive). */
export function sig(name: string, options?: SigOptions): Signature {
  const n = text('name', name);
  backendOption(options);
  const code = call(() => native().sigSuite(n));
  let s = sigs.get(code);
  if (!s) {
    s = new Signature(code);
    sigs.set(code, s);
  }
  return s;
}

/** Every signature suite name, most preferred first. */
export const sigSuites = names(call(() => native().sigSuiteNames())) as readonly SigSuiteName[];
/** ML-DSA-44 (FIPS 204). */
export const mlDsa44: Signature = sig('ML-DSA-44');
/** ML-DSA-65 (FIPS 204). */
export const mlDsa65: Signature = sig('ML-DSA-65');
/** ML-DSA-87 (FIPS 204). */
export const mlDsa87: Signature = sig('ML-DSA-87');
/** Ed25519 (RFC 8032, strict verification). */
export const ed25519: Signature = sig('Ed25519');

const AEAD_LENGTHS: AeadLengths = Object.freeze({ key: 32, nonce: 12, tag: 16 });

/** One AEAD suite. */
export class Aead {
  readonly name: AeadSuiteName;
  readonly lengths: AeadLengths = AEAD_LENGTHS;
  readonly #code: number;

  /** @internal Use {@link aead}. */
  constructor(code: number) {
    this.#code = code;
    this.name = call(() => native().aeadSuiteName(code)) as AeadSuiteName;
    Object.freeze(this);
  }

  /** Encrypts: ciphertext followed by the 16-byte tag. */
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, associatedData?: Uint8Array): Uint8Array {
    const k = bytes('key', key, 32);
    const n = bytes('nonce', nonce, 12);
    const p = bytes('plaintext', plaintext);
    const ad = orEmpty(optionalBytes('associatedData', associatedData));
    return call(() => native().aeadSeal(this.#code, k, n, p, ad));
  }

  /** Checks the tag and decrypts; `AuthenticationError` on any mismatch. */
  open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, associatedData?: Uint8Array): Uint8Array {
    const k = bytes('key', key, 32);
    const n = bytes('nonce', nonce, 12);
    const s = bytes('sealed', sealed);
    const ad = orEmpty(optionalBytes('associatedData', associatedData));
    return call(() => native().aeadOpen(this.#code, k, n, s, ad));
  }
}

const aeads = new Map<number, Aead>();

/** The AEAD suite `name`. */
export function aead(name: string): Aead {
  const n = text('name', name);
  const code = call(() => native().aeadSuite(n));
  let a = aeads.get(code);
  if (!a) {
    a = new Aead(code);
    aeads.set(code, a);
  }
  return a;
}

/** Every AEAD suite name. */
export const aeadSuites = names(call(() => native().aeadSuiteNames())) as readonly AeadSuiteName[];

/** HKDF hash names. */
export type HkdfHash = 'SHA-256' | 'SHA-512';

/** Options of {@link hkdf}. */
export interface HkdfOptions {
  salt?: Uint8Array;
  info?: Uint8Array;
  /** Output length in bytes (at most 255 × the hash size). Default: the hash size. */
  length?: number;
}

function hashSize(hash: string): number {
  const h = text('hash', hash).toUpperCase().replace('-', '');
  if (h === 'SHA256') return 32;
  if (h === 'SHA512') return 64;
  throw makeError('UNKNOWN_SUITE', `unknown HKDF hash ${JSON.stringify(hash)}`);
}

/** HKDF extract-then-expand (RFC 5869). */
export function hkdf(hash: HkdfHash, ikm: Uint8Array, hkdfOptions: HkdfOptions = {}): Uint8Array {
  const size = hashSize(hash);
  const i = bytes('ikm', ikm);
  const o = options(hkdfOptions, ['salt', 'info', 'length']);
  const salt = orEmpty(optionalBytes('salt', o['salt']));
  const info = orEmpty(optionalBytes('info', o['info']));
  const len = length('length', o['length'] ?? size, 255 * size);
  return call(() => native().hkdf(hash, i, salt, info, len));
}

/** The largest SHAKE256 output one call gives. */
export const SHAKE256_MAX_OUTPUT = 16 * 1024 * 1024;

/** SHA3-256 of `data`. */
export function sha3_256(data: Uint8Array): Uint8Array {
  const d = bytes('data', data);
  return call(() => native().sha3_256(d));
}

/** SHAKE256 of `data`, `outputLength` bytes (default 32). */
export function shake256(data: Uint8Array, outputLength = 32): Uint8Array {
  const d = bytes('data', data);
  const n = length('outputLength', outputLength, SHAKE256_MAX_OUTPUT);
  return call(() => native().shake256(d, n));
}
