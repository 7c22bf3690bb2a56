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
 * Which implementation runs the algorithm: the default (per operation the fastest measured:
 * AWS-LC for ML-KEM, with libcrux for its seeded variants; libcrux for ML-DSA), libcrux
 * (formally verified; ML-KEM, ML-DSA and their hybrids), RustCrypto (ML-KEM, ML-DSA and
 * their hybrids) or PQClean (ML-KEM and ML-DSA only; no seeded variants). Each is a cargo
 * feature of the native addon: one built without it (the pure-Rust build) refuses it with
 * `UNSUPPORTED`.
 */
export type Backend = 'default' | 'libcrux' | 'rustcrypto' | 'pqclean';
