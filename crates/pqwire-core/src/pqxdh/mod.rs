//! The hybrid PQXDH-style handshake of `docs/protocol.md` §2–§4, sans I/O: the caller
//! passes the time (`now`, unix seconds) and, for reproducible runs, the randomness.
//!
//! A responder signs a batch of prekeys once ([`create_batch`], [`sign_batch`]) and
//! publishes the upload; anyone holding it assembles prekey bundles
//! ([`assemble_bundle`]); an initiator verifies a bundle (one batch signature, cached per
//! process, and two Merkle proofs) and turns it into an initial message and a ratchet
//! session ([`initiate`]); the responder turns the initial message into its session
//! ([`respond`]), consuming one-time prekeys only once the message authenticated.
//!
//! | file | concept |
//! | --- | --- |
//! | `package.rs` | validity periods, derived key ids, signed key packages (§2) |
//! | `identity.rs` | [`Identity`] and [`PublicIdentity`] (§2) |
//! | `prekeys.rs` | prekeys, [`PrekeySecret`], [`needs_rotation`] (§2) |
//! | `merkle.rs` | the Merkle tree over a batch's KEM and one-time prekeys (§3.2) |
//! | `batch.rs` | [`sign_batch`], [`create_batch`], [`verify_upload`]: the batch statement (§3.1, §3.3) |
//! | `assemble.rs` | [`assemble_bundle`], [`BundleAssembler`]: bundles from public bytes (§3.4) |
//! | `batch_cache.rs` | [`verified_batches`]: the verified-batch cache (§4.1) |
//! | `bundle_check.rs` | what an initiator checks of a bundle (§4.1) |
//! | `source.rs` | [`PrekeySource`] and the in-memory [`PrekeySecrets`] |
//! | `persist.rs` | [`Identity::to_record`], [`PrekeySecret::to_record`]: secrets at rest (§6) |
//! | `suites.rs` | which suites a handshake uses and the policy over them (§4.1) |
//! | `transcript.rs` | `TH`, the key schedule, the transcript signature's label (§4.1) |
//! | `initiator.rs` | [`initiate`] (§4.1) |
//! | `responder.rs` | [`respond`] (§4.3) |
//! | `migrate.rs` | [`promote_legacy`]: classical keys into a hybrid identity (§2.4) |
//! | `app_signature.rs` | [`Identity::sign_data`]: the application's own data, signed (§2.5) |
//!
//! ```
//! use pqwire_core::pqxdh::*;
//! use pqwire_core::random::SeededRandom;
//! use pqwire_core::wire::{Capabilities, WireMessage};
//! use pqwire_core::{KemSuite, SigSuite};
//!
//! let now = 1_700_000_000;
//! let caps = Capabilities::default().encode()?;
//! let mut rng = SeededRandom::new([1; 32]);
//! let valid = Validity::starting(now, DEFAULT_SIGNED_PREKEY_LIFETIME)?;
//!
//! // Bob signs a batch once and keeps the secrets; a server assembles a bundle.
//! let bob = Identity::generate(SigSuite::Ed25519MlDsa65, valid, &mut rng)?;
//! let spk = signed_prekey(valid, &mut rng)?;
//! let pqlr = last_resort_kem_prekey(KemSuite::MlKem768, valid, &mut rng)?;
//! let keys = BatchKeys {
//!     signed_prekey: &spk.public,
//!     last_resort_kem: Some(&pqlr.public),
//!     one_time_kem: &[],
//!     one_time: &[],
//! };
//! let upload = sign_batch(&bob, &caps, &keys, &mut rng)?;
//! let bundle = assemble_bundle(&upload, None, None)?;
//! let mut secrets = PrekeySecrets::new();
//! secrets.insert(spk.secret);
//! secrets.insert(pqlr.secret);
//!
//! // Alice starts a session from it.
//! let alice = Identity::generate(SigSuite::Ed25519MlDsa65, valid, &mut rng)?;
//! let options = HandshakeOptions::default();
//! let first = FirstMessage { plaintext: b"hello Bob", associated_data: b"" };
//! let sent = initiate(&alice, &caps, &bundle.encode()?, first, &options, now, &mut rng)?;
//!
//! // Bob accepts it.
//! let got = respond(&bob, &caps, &mut secrets, &sent.encoded, &options, now + 5)?;
//! assert_eq!(got.plaintext, b"hello Bob");
//! assert_eq!(got.info.peer, *alice.public());
//! assert_eq!(got.info.session_id, sent.info.session_id);
//! assert!(got.info.hybrid_auth && got.info.post_quantum);
//! # Ok::<(), pqwire_core::Error>(())
//! ```

mod app_signature;
mod assemble;
mod batch;
mod batch_cache;
mod bundle_check;
mod identity;
mod initiator;
pub mod merkle;
mod migrate;
pub(crate) mod package;
mod persist;
mod prekeys;
mod responder;
mod source;
mod suites;
mod transcript;

pub use app_signature::{verify_data, LABEL_APPLICATION, MAX_CONTEXT_LEN};
pub use assemble::{assemble_bundle, BundleAssembler};
pub use batch::{
    create_batch, sign_batch, verify_upload, BatchKeys, BatchOptions, CreatedBatch,
    DEFAULT_BATCH_SIZE, LABEL_BATCH,
};
pub use batch_cache::{
    batch_entry, verified_batches, VerifiedBatches, LABEL_VERIFIED_BATCH, VERIFIED_BATCH_CACHE_SIZE,
};
pub use identity::{Identity, PublicIdentity};
pub use initiator::{initiate, Initiated};
pub use migrate::{continuity_proof, promote_legacy, verify_continuity, LABEL_CONTINUITY};
pub use package::{key_id, Validity, LABEL_KEY_ID, SIGNATURE_CONTEXT};
pub use prekeys::{
    generate_prekey, last_resort_kem_prekey, needs_rotation, one_time_kem_prekeys,
    one_time_prekeys, signed_prekey, GeneratedPrekey, Prekey, PrekeyKind, PrekeySecret,
    RotationPolicy, DEFAULT_IDENTITY_LIFETIME, DEFAULT_ONE_TIME_PREKEY_LIFETIME,
    DEFAULT_ROTATION_AGE, DEFAULT_ROTATION_USES, DEFAULT_SIGNED_PREKEY_LIFETIME,
};
pub use responder::{respond, Responded};
pub use source::{HandshakeReplay, PrekeySecrets, PrekeySource, UsedPrekeys};
pub use transcript::{
    root_keys, transcript_hash, RootKeys, TranscriptInput, LABEL_INITIATOR, LABEL_ROOT,
    LABEL_TRANSCRIPT,
};

use crate::negotiation::{Agreement, Policy};
use crate::ratchet::RatchetConfig;
use crate::KemSuite;

/// The settings of one handshake, on either side.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HandshakeOptions {
    /// The negotiation policy (default `pq-required`).
    pub policy: Policy,
    /// The ratchet's settings; `None` takes [`RatchetConfig::for_suite`] of the session's
    /// KEM.
    pub ratchet: Option<RatchetConfig>,
    /// With `ratchet` given: keep its limits but take the cadence of the session's KEM
    /// ([`crate::ratchet::KemCadence::default_for`]), which is known only once the
    /// handshake chose the KEM — for callers that set limits and no cadence.
    pub suite_cadence: bool,
}

impl HandshakeOptions {
    /// The ratchet configuration for a session whose KEM is `kem`.
    pub fn ratchet_config(&self, kem: KemSuite) -> RatchetConfig {
        match self.ratchet {
            None => RatchetConfig::for_suite(kem),
            Some(c) if self.suite_cadence => RatchetConfig {
                cadence: crate::ratchet::KemCadence::default_for(kem),
                ..c
            },
            Some(c) => c,
        }
    }
}

/// The first message the initiator sends inside the initial message.
#[derive(Clone, Copy, Debug, Default)]
pub struct FirstMessage<'a> {
    /// Encrypted.
    pub plaintext: &'a [u8],
    /// Authenticated, not encrypted (the ratchet header's `associatedData`).
    pub associated_data: &'a [u8],
}

/// What a handshake agreed on, for the session layer and its security events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandshakeInfo {
    /// The negotiation's outcome (version, suites, features, `NT`).
    pub agreement: Agreement,
    /// The session's KEM: the KEM prekey's suite (or, in a classical-only handshake, the
    /// negotiated one), also the ratchet's.
    pub kem: KemSuite,
    /// Whether a KEM prekey was used: without one (a classical-only handshake, refused
    /// under `pq-required`) the session's first keys rest on X25519 alone; a security
    /// event should report it.
    pub post_quantum: bool,
    /// `TH`.
    pub transcript_hash: [u8; 32],
    /// The session id bound into every ratchet message.
    pub session_id: [u8; 32],
    /// Whether the initiator's transcript signature is post-quantum: its identity suite is
    /// (Ed25519+ML-DSA-65/87, or ML-DSA alone). The signature itself is mandatory (the
    /// `hybrid-auth` feature bit cannot switch it off); this is `false`
    /// only for a classical (Ed25519) initiator identity, which `pq-required` refuses and
    /// other policies allow, a security event should report it.
    pub hybrid_auth: bool,
    /// The responder's prekeys the handshake used. On the initiator's side the KEM
    /// prekey's kind comes from its signed leaf index (0: the last-resort key).
    pub prekeys: UsedPrekeys,
    /// The peer's identity, verified; the caller pins it.
    pub peer: PublicIdentity,
}
