//! The hybrid double ratchet of `docs/protocol.md` §5, as a sans-I/O state machine.
//!
//! Symmetric chains give every message its own key; the asymmetric step, at every change
//! of speaker, mixes a fresh X25519 DH and — as often as the [`KemCadence`] says — an
//! ML-KEM encapsulation into the root key, so that a compromised state heals against a
//! quantum adversary too. Headers (ratchet key, counters, KEM key and ciphertext,
//! application metadata), the session id, the suites and the wire version are the AEAD's
//! associated data.
//!
//! | file | concept |
//! | --- | --- |
//! | `state.rs` | [`RatchetState`]: every field of §5.1, initialisation, accessors |
//! | `chains.rs` | the sending and receiving chains, and the combinations of them a state can be in |
//! | `send.rs` | [`RatchetState::encrypt`]: the sending step and chain |
//! | `receive.rs` | [`RatchetState::decrypt`]: receiving step, chains, §5.5 rules, transactional |
//! | `kdf.rs` | [`kdf`]: `KDF_RK`, `KDF_CK`, message keys, session id, KEM key ids (§5.2) |
//! | `header.rs` | the AEAD associated data of a [`Header`] (§5.4; the header is the wire format's) |
//! | `cadence.rs` | [`KemCadence`] |
//! | `config.rs` | [`RatchetConfig`]: cadence and skipped-key limits |
//! | `skipped.rs` | the bounded skipped-key store and replay history |
//! | `persist.rs` | [`RatchetState::serialize`] / [`RatchetState::deserialize`]: the state at rest (§6) |
//! | `layout.rs` | the tags and names of the state's record fields (§6) |
//!
//! No clock is read and no I/O is done: the caller passes `now` (unix seconds) and,
//! for deterministic runs, the randomness.
//!
//! ```
//! use pqwire_core::ratchet::{RatchetConfig, RatchetInit, RatchetState};
//! use pqwire_core::random::SeededRandom;
//! use pqwire_core::{x25519, AeadSuite, KemSuite};
//!
//! // What the handshake (§4) gives both parties.
//! let (spk_secret, spk_public) = x25519::keygen(Some(&[3; 32]))?;
//! let init = RatchetInit {
//!     root_key: &[1; 32],
//!     chain_key: &[2; 32],
//!     session_id: [9; 32],
//!     kem: KemSuite::MlKem768,
//!     aead: AeadSuite::ChaCha20Poly1305,
//!     config: RatchetConfig::default(),
//!     now: 1_700_000_000,
//! };
//! let mut alice = RatchetState::init_initiator(init, &spk_public)?;
//! let mut bob = RatchetState::init_responder(init, spk_secret.expose())?;
//! let mut rng = SeededRandom::new([7; 32]);
//!
//! let (header, ct) = alice.encrypt_with(b"hello", b"meta", 1_700_000_001, &mut rng)?;
//! assert!(header.kem_key.is_some() && header.kem_ciphertext.is_none());
//! assert_eq!(bob.decrypt(&header, &ct, 1_700_000_002)?, b"hello");
//!
//! // Bob's reply is a KEM step (every hop by default): a ciphertext to Alice's KEM key.
//! let (header, ct) = bob.encrypt(b"hi", b"", 1_700_000_003)?;
//! assert!(header.kem_ciphertext.is_some());
//! assert_eq!(alice.decrypt(&header, &ct, 1_700_000_004)?, b"hi");
//!
//! // A replay is refused and changes nothing.
//! let before = alice.clone();
//! assert_eq!(alice.decrypt(&header, &ct, 1_700_000_005).unwrap_err().code(), "REPLAYED");
//! assert!(alice == before);
//! # Ok::<(), pqwire_core::Error>(())
//! ```

mod cadence;
mod chains;
mod config;
mod header;
pub mod kdf;
mod layout;
mod persist;
mod receive;
mod send;
mod skipped;
mod state;

pub use crate::wire::tags::ratchet_message::{
    TAG_ASSOCIATED_DATA, TAG_COUNTER, TAG_KEM_CIPHERTEXT, TAG_KEM_CIPHERTEXT_KEY_ID, TAG_KEM_KEY,
    TAG_PREVIOUS_CHAIN_LENGTH, TAG_RATCHET_KEY,
};
pub use crate::wire::KeyId;
pub use cadence::KemCadence;
pub use config::{
    RatchetConfig, DEFAULT_MAX_SKIP, DEFAULT_MAX_SKIPPED_AGE, DEFAULT_MAX_SKIPPED_KEYS,
};
pub use header::{Header, KemCiphertext, KemPublicKey};
pub use layout::SessionFields;
pub use skipped::MAX_PAST_CHAINS;
pub use state::{RatchetInit, RatchetState};
