//! # pqwire-mls
//!
//! MLS groups (RFC 9420) for pqwire, on openmls: [`PqwireProvider`] is an
//! `OpenMlsProvider` whose cryptography is pqwire's own (its ML-KEM, X-Wing, ML-DSA,
//! Ed25519, X25519, AEAD and HKDF paths; HPKE runs through `hpke-rs` on those
//! primitives). openmls does the protocol; this crate supplies the primitives, the
//! suites on offer ([`suites`]) and a signer over pqwire keys ([`MlsSigner`]).
//!
//! The post-quantum suites are those of draft-ietf-mls-pq-ciphersuites, whose code points
//! are provisional: a later draft may change them, and groups made under one draft's
//! points do not interoperate with another's (docs/groups.md, "Suites").
//!
//! ```
//! use openmls::prelude::{tls_codec::Deserialize, *};
//! use pqwire_mls::{MlsSigner, PqwireProvider};
//!
//! let suite = Ciphersuite::MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519;
//! let (alice, bob) = (PqwireProvider::default(), PqwireProvider::default());
//! let member = |name: &str| {
//!     let signer = MlsSigner::generate(suite.signature_algorithm()).unwrap();
//!     let credential = CredentialWithKey {
//!         credential: BasicCredential::new(name.as_bytes().to_vec()).into(),
//!         signature_key: signer.public_key().to_vec().into(),
//!     };
//!     (signer, credential)
//! };
//! let (alice_signer, alice_credential) = member("alice");
//! let (bob_signer, bob_credential) = member("bob");
//!
//! let bob_key_package = KeyPackage::builder()
//!     .build(suite, &bob, &bob_signer, bob_credential)
//!     .unwrap();
//! let config = MlsGroupCreateConfig::builder()
//!     .ciphersuite(suite)
//!     .use_ratchet_tree_extension(true)
//!     .build();
//! let mut group = MlsGroup::new(&alice, &alice_signer, &config, alice_credential).unwrap();
//! let (_commit, welcome, _info) = group
//!     .add_members(&alice, &alice_signer, &[bob_key_package.key_package().clone()])
//!     .unwrap();
//! group.merge_pending_commit(&alice).unwrap();
//!
//! // Everything crosses the network as bytes.
//! let welcome = MlsMessageIn::tls_deserialize_exact(welcome.to_bytes().unwrap()).unwrap();
//! let MlsMessageBodyIn::Welcome(welcome) = welcome.extract() else { unreachable!() };
//! let mut bob_group = StagedWelcome::new_from_welcome(&bob, &MlsGroupJoinConfig::default(), welcome, None)
//!     .unwrap()
//!     .into_group(&bob)
//!     .unwrap();
//! let message = group.create_message(&alice, &alice_signer, b"hello").unwrap();
//! let message = MlsMessageIn::tls_deserialize_exact(message.to_bytes().unwrap()).unwrap();
//! let message = message.try_into_protocol_message().unwrap();
//! match bob_group.process_message(&bob, message).unwrap().into_content() {
//!     ProcessedMessageContent::ApplicationMessage(m) => assert_eq!(m.into_bytes(), b"hello"),
//!     _ => unreachable!(),
//! }
//! ```

mod aead;
mod changes;
pub mod credential;
mod crypto;
mod digest;
mod error;
mod hpke;
pub mod inspect;
mod member;
mod nist_curves;
mod provider;
mod rand;
mod record;
mod signature;
mod signer;
mod storage;
pub mod suites;

pub use crypto::PqwireCrypto;
pub use error::{GroupCode, GroupError, Result};
pub use member::{
    Commit, GroupMember, Member, Received, DEFAULT_PAST_EPOCHS, MAXIMUM_FORWARD_DISTANCE,
    MAX_PAST_EPOCHS, OUT_OF_ORDER_TOLERANCE,
};
pub use provider::PqwireProvider;
pub use rand::{PqwireRand, RandomnessUnavailable};
pub use record::MAX_CREDENTIAL_LEN;
pub use signer::MlsSigner;
pub use storage::{PqwireStorage, StorageError};
