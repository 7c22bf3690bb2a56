/**
 * Suite names accepted by the API. Legacy names (for example `X25519+Kyber768`,
 * `Kyber768`, `X-Wing`) are accepted as aliases and resolved to these.
 */

/** Key-encapsulation suites. `X25519+ML-KEM-768` is X-Wing. */
export type KemSuiteName =
  | 'X25519+ML-KEM-768'
  | 'X25519+ML-KEM-1024'
  | 'X25519+ML-KEM-512'
  | 'ML-KEM-768'
  | 'ML-KEM-1024'
  | 'ML-KEM-512'
  | 'X25519';

/** Signature suites. */
export type SigSuiteName =
  | 'Ed25519+ML-DSA-65'
  | 'Ed25519+ML-DSA-87'
  | 'ML-DSA-65'
  | 'ML-DSA-87'
  | 'ML-DSA-44'
  | 'Ed25519';

/** AEAD suites. */
export type AeadSuiteName = 'ChaCha20-Poly1305' | 'AES-256-GCM';

/**
 * Legacy names of KEM suites, accepted wherever a {@link KemSuiteName} is (the core matches
 * them without regard to case; these are the spellings the types accept).
 *
 * @example
 * ```ts
 * kem('X25519+Kyber768').name; // 'X25519+ML-KEM-768'
 * ```
 */
export type KemSuiteAlias =
  | 'X-Wing'
  | 'XWing'
  | 'X25519+Kyber768'
  | 'X25519Kyber768'
  | 'X25519+Kyber1024'
  | 'X25519Kyber1024'
  | 'X25519+Kyber512'
  | 'X25519Kyber512'
  | 'Kyber768'
  | 'MLKEM768'
  | 'Kyber1024'
  | 'MLKEM1024'
  | 'Kyber512'
  | 'MLKEM512'
  | 'Curve25519';

/** Legacy names of signature suites (`sig('Dilithium3').name === 'ML-DSA-65'`). */
export type SigSuiteAlias =
  | 'Ed25519+Dilithium3'
  | 'Ed25519+Dilithium5'
  | 'Dilithium3'
  | 'MLDSA65'
  | 'Dilithium5'
  | 'MLDSA87'
  | 'Dilithium2'
  | 'MLDSA44';

/** Other names of AEAD suites (`aead('AES256GCM').name === 'AES-256-GCM'`). */
export type AeadSuiteAlias = 'ChaCha20Poly1305' | 'AES256-GCM' | 'AES256GCM';

/** A KEM suite as the API takes it: its name or a legacy alias. A typo does not compile. */
export type KemSuiteInput = KemSuiteName | KemSuiteAlias;
/** A signature suite as the API takes it: its name or a legacy alias. */
export type SigSuiteInput = SigSuiteName | SigSuiteAlias;
/** An AEAD suite as the API takes it: its name or another spelling. */
export type AeadSuiteInput = AeadSuiteName | AeadSuiteAlias;

/**
 * Which implementation runs the algorithm: the default (per operation the fastest measured:
 * AWS-LC for ML-KEM, with libcrux for its seeded variants; libcrux for ML-DSA), libcrux
 * (formally verified; ML-KEM, ML-DSA and their hybrids), RustCrypto (ML-KEM, ML-DSA and
 * their hybrids) or PQClean (ML-KEM and ML-DSA only; no seeded variants). Each is a cargo
 * feature of the native addon: one built without it (the pure-Rust build) refuses it with
 * `UNSUPPORTED`.
 */
export type Backend = 'default' | 'libcrux' | 'rustcrypto' | 'pqclean';
