//! Sessions: what an application holds per peer once a handshake (§4) succeeded — the
//! hybrid double ratchet (§5), the peer's verified identity and the negotiated suites —
//! with ratchet messages as wire bytes in and out, and serialization at rest (§6).
//!
//! | file | concept |
//! | --- | --- |
//! | `state.rs` | [`Session`]: facts of the handshake, encrypt and decrypt as wire bytes |
//! | `establish.rs` | [`Session::initiate`], [`Session::accept`]: the handshake into a session |
//! | `persist.rs` | [`Session::serialize`], [`Session::deserialize`]: records at rest, rollback check |
//!
//! ```
//! use pqwire_core::pqxdh::*;
//! use pqwire_core::random::SeededRandom;
//! use pqwire_core::session::Session;
//! use pqwire_core::wire::{Capabilities, WireMessage};
//! use pqwire_core::SigSuite;
//!
//! let now = 1_700_000_000;
//! let caps = Capabilities::default().encode()?;
//! let mut rng = SeededRandom::new([1; 32]);
//! let valid = Validity::starting(now, DEFAULT_SIGNED_PREKEY_LIFETIME)?;
//! let bob = Identity::generate(SigSuite::Ed25519MlDsa65, valid, &mut rng)?;
//! let batch = create_batch(&bob, &caps, &BatchOptions::default(), now, &mut rng)?;
//! let bundle = assemble_bundle(&batch.upload, Some(0), Some(0))?;
//! let mut secrets = PrekeySecrets::new();
//! for s in batch.secrets {
//!     secrets.insert(s);
//! }
//!
//! let alice = Identity::generate(SigSuite::Ed25519MlDsa65, valid, &mut rng)?;
//! let options = HandshakeOptions::default();
//! let first = FirstMessage { plaintext: b"hello Bob", associated_data: b"" };
//! let (mut a, initial) = Session::initiate(&alice, &caps, &bundle.encode()?, first, &options, now, &mut rng)?;
//! let accepted = Session::accept(&bob, &caps, &mut secrets, &initial, &options, now + 1)?;
//! let mut b = accepted.session;
//! assert_eq!(accepted.plaintext, b"hello Bob");
//!
//! let reply = b.encrypt(b"hi Alice", b"thread 7", now + 2)?;
//! let got = a.decrypt(&reply, now + 3)?;
//! assert_eq!((got.plaintext.as_slice(), got.associated_data.as_slice()), (&b"hi Alice"[..], &b"thread 7"[..]));
//! // A replay changes nothing and is refused.
//! assert_eq!(a.decrypt(&reply, now + 4).unwrap_err().code(), "REPLAYED");
//! # Ok::<(), pqwire_core::Error>(())
//! ```

mod establish;
mod persist;
mod state;

pub use establish::Accepted;
pub use state::{Decrypted, Session, SessionFacts};
