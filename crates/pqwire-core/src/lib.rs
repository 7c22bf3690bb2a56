//! # pqwire-core
//!
//! The core of pqwire: post-quantum and hybrid primitives behind one trait per role, so
//! backends can be swapped ([`Backend`], [`kem::backend_of`], [`sig::backend_of`]). No I/O
//! and no JavaScript here; the napi-rs bindings in `pqwire-node` only convert arguments
//! and map errors.
//!
//! Each backend is a cargo feature: `aws-lc`, `libcrux`, `rustcrypto` and `pqclean`, all
//! on by default. `--no-default-features --features pure-rust` (libcrux and RustCrypto)
//! builds without a C compiler, for WebAssembly and React Native (docs/primitives.md,
//! "Cargo features and the pure-Rust build").
//!
//! | role | module | suites |
//! | --- | --- | --- |
//! | KEM | [`kem`] | ML-KEM-512/768/1024, X-Wing, X25519+ML-KEM-512/1024, X25519 |
//! | signature | [`sig`] | ML-DSA-44/65/87, Ed25519, Ed25519+ML-DSA-65/87 |
//! | AEAD | [`aead`] | ChaCha20-Poly1305, AES-256-GCM |
//! | key agreement | [`x25519`] | X25519 |
//! | KDF, hash | [`kdf`], [`hash`] | HKDF-SHA256/512, SHA3-256, SHAKE256 |
//! | hybrid PQXDH handshake | [`pqxdh`] | hybrid identities, X25519 + ML-KEM prekeys |
//! | hybrid double ratchet | [`ratchet`] | X25519 + any KEM suite, either AEAD |
//! | records at rest | [`record`] | session state, identity and prekey secrets, channel server keys |
//! | online channel | [`channel`] | Simplex and Duplex over any byte stream, sans I/O |
//!
//! ```
//! use pqwire_core::{kem, KemSuite};
//! let xwing = kem::backend(KemSuite::XWing);
//! let (pk, sk) = xwing.keygen(None)?;
//! let enc = xwing.encapsulate(&pk, None)?;
//! assert_eq!(xwing.decapsulate(&enc.cipher_text, sk.expose())?, enc.shared_secret);
//! # Ok::<(), pqwire_core::Error>(())
//! ```

pub mod aead;
mod backend;
pub mod channel;
mod error;
pub mod hash;
mod hex;
pub mod kdf;
pub mod kem;
pub mod negotiation;
pub mod pqxdh;
pub mod random;
pub mod ratchet;
pub mod record;
mod secret;
pub mod session;
pub mod sig;
pub mod suite;
pub mod wire;
pub mod x25519;

#[cfg(not(any(feature = "aws-lc", feature = "rustcrypto")))]
compile_error!(
    "pqwire-core needs the `aws-lc` or the `rustcrypto` feature: X25519, Ed25519, the AEADs \
     and SHA3-256 come from one of them (`--features pure-rust` for a build without AWS-LC)"
);

pub use backend::Backend;
pub use error::{Error, ErrorKind, Result};
pub use secret::{Disposable, SecretBytes, SecretMemory};
pub use suite::{AeadSuite, KemSuite, MlsSuite, SigSuite};
