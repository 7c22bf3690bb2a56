//! The hybrid double ratchet of `docs/protocol.md` §5, as a sans-I/O state machine.
//!
//! Symmetric chains give every message its own key; the asymmetric step, at every change
//! of speaker, mixes a fresh X25519 DH into the root key. The sparse post-quantum
//! ratchet (§5.6) runs beside it: each party's ML-KEM keys, and the ciphertexts the peer
//! makes to them, travel as erasure-coded shards, one per message at most, and each
//! completed exchange mixes its shared secret into one DH step, so that a compromised
//! state heals against a quantum adversary too. Headers (ratchet key, counters, the
//! chunk, `pqMix`, application metadata), the session id, the suites and the wire
//! version are the AEAD's associated data.
//!
//! | file | concept |
//! | --- | --- |
//! | `state.rs` | [`RatchetState`]: every field of §5.1, initialisation, accessors |
//! | `chains.rs` | the sending and receiving chains, and the combinations of them a state can be in |
//! | `send.rs` | [`RatchetState::encrypt`]: the sending step and chain |
//! | `receive.rs` | [`RatchetState::decrypt`]: receiving step, chains, §5.5 rules, transactional |
//! | `pipeline.rs` | the two post-quantum pipelines (§5.6) |
//! | `erasure.rs` | the erasure code of their shards |
//! | `kdf.rs` | [`kdf`]: `KDF_RK`, `KDF_CK`, message keys, session id (§5.2) |
//! | `header.rs` | the AEAD associated data of a [`Header`] (§5.4; the header is the wire format's) |
//! | `cadence.rs` | [`KemCadence`] |
//! | `config.rs` | [`RatchetConfig`]: cadence, chunk size and skipped-key limits |
//! | `skipped.rs` | the bounded skipped-key store and replay history |
//! | `persist.rs`, `persist_pq.rs` | [`RatchetState::serialize`] / [`RatchetState::deserialize`]: the state at rest (§6) |
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
//! // Alice's first message (nested in the initial message) has no PQ field.
//! let (header, ct) = alice.encrypt_with(b"hello", b"meta", 1_700_000_001, &mut rng)?;
//! assert!(header.pq_chunk.is_none() && header.pq_mix.is_none());
//! assert_eq!(bob.decrypt(&header, &ct, 1_700_000_002)?, b"hello");
//!
//! // Every later message carries one shard of a key or ciphertext in flight.
//! let mut t = 1_700_000_003;
//! for _ in 0..60 {
//!     let (h, c) = bob.encrypt(b"hi", b"", t)?;
//!     assert!(h.pq_chunk.is_some());
//!     alice.decrypt(&h, &c, t)?;
//!     let (h, c) = alice.encrypt(b"hi", b"", t)?;
//!     bob.decrypt(&h, &c, t)?;
//!     t += 1;
//! }
//! assert!(alice.pq_steps() >= 2 && alice.pq_steps() == bob.pq_steps());
//!
//! // A replay is refused and changes nothing.
//! let (header, ct) = bob.encrypt(b"x", b"", t)?;
//! alice.decrypt(&header, &ct, t)?;
//! let before = alice.clone();
//! assert_eq!(alice.decrypt(&header, &ct, t).unwrap_err().code(), "REPLAYED");
//! assert!(alice == before);
//! # Ok::<(), pqwire_core::Error>(())
//! ```

mod cadence;
mod chains;
mod config;
mod erasure;
mod header;
pub mod kdf;
mod layout;
mod persist;
mod persist_pq;
mod pipeline;
mod receive;
mod send;
mod skipped;
mod state;

pub use crate::wire::tags::ratchet_message::{
    TAG_ASSOCIATED_DATA, TAG_COUNTER, TAG_PQ_CHUNK, TAG_PQ_MIX, TAG_PREVIOUS_CHAIN_LENGTH,
    TAG_RATCHET_KEY,
};
pub use crate::wire::KeyId;
pub use cadence::KemCadence;
pub use config::{
    RatchetConfig, DEFAULT_MAX_SKIP, DEFAULT_MAX_SKIPPED_AGE, DEFAULT_MAX_SKIPPED_KEYS,
    DEFAULT_PQ_CHUNK_LEN,
};
pub use erasure::{MAX_CHUNK_LEN, MIN_CHUNK_LEN};
pub use header::{ChunkKind, Header, PqChunk};
pub use layout::SessionFields;
pub use skipped::MAX_PAST_CHAINS;
pub use state::{RatchetInit, RatchetState};
