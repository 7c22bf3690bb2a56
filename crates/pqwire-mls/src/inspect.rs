//! What a delivery service may read of an MLS message without being in the group
//! (docs/groups.md, "Delivery service"): a key package's suite, owner and flags, once its
//! signature and its credential's binding check out; a group message's group, epoch and
//! content type, which MLS leaves in the clear for exactly this; a welcome's suite.
//! Nothing here needs or reveals a secret.
//!
//! ```
//! use pqwire_core::{pqxdh::{Identity, Validity}, SigSuite};
//! use pqwire_mls::{inspect, Member, suites::Ciphersuite};
//! let identity = Identity::generate_random(SigSuite::Ed25519MlDsa65, Validity::new(0, 1 << 40).unwrap()).unwrap();
//! let suite = Ciphersuite::MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519;
//! let mut alice = Member::new(suite, &identity, b"alice")?;
//! match inspect::inspect(&alice.key_package(true)?)? {
//!     inspect::Inspected::KeyPackage { suite: s, identity_key, last_resort, .. } => {
//!         assert_eq!(s, suite);
//!         assert_eq!(identity_key, identity.public().sig_key_encoded);
//!         assert!(last_resort);
//!     }
//!     other => panic!("{other:?}"),
//! }
//! # Ok::<(), pqwire_mls::GroupError>(())
//! ```

use crate::credential;
use crate::error::{because, GroupCode, GroupError, Result};
use crate::{suites, PqwireCrypto};
use openmls::prelude::tls_codec::Deserialize as _;
use openmls::prelude::*;

/// The kind of a group message's content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Content {
    /// An application message.
    Application,
    /// A proposal.
    Proposal,
    /// A commit.
    Commit,
}

/// What an MLS message shows to someone outside its group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inspected {
    /// A key package whose signature and credential binding were checked.
    KeyPackage {
        /// Its suite (one pqwire offers).
        suite: Ciphersuite,
        /// The owner's pqwire identity signing key (key package encoding).
        identity_key: Vec<u8>,
        /// The name in the owner's credential.
        name: Vec<u8>,
        /// Whether it is marked as a last-resort key package.
        last_resort: bool,
    },
    /// A message of a group (public or private framing).
    Group {
        /// The group's id.
        group_id: Vec<u8>,
        /// The epoch it was sent in.
        epoch: u64,
        /// Its content type.
        content: Content,
    },
    /// A welcome.
    Welcome {
        /// The group's suite.
        suite: Ciphersuite,
    },
}

/// Reads what `bytes` (one MLS message) shows from outside its group. Bytes that are not
/// one MLS message are `GROUP_MALFORMED`; a key package whose signature fails or whose
/// lifetime is over is `GROUP_INVALID`; one of a suite pqwire does not offer is
/// `UNSUPPORTED`; one whose credential is not bound to a pqwire identity (valid now) is
/// `GROUP_UNBOUND_CREDENTIAL`.
pub fn inspect(bytes: &[u8]) -> Result<Inspected> {
    let message =
        MlsMessageIn::tls_deserialize_exact(bytes).map_err(because(GroupCode::Malformed))?;
    match message.extract() {
        MlsMessageBodyIn::KeyPackage(package) => {
            let package = package
                .validate(&PqwireCrypto, ProtocolVersion::Mls10)
                .map_err(because(GroupCode::Invalid))?;
            let suite = package.ciphersuite();
            if !suites::is_supported(suite) {
                return Err(GroupError::new(
                    GroupCode::Unsupported,
                    format!("a key package for {suite:?}, which pqwire does not offer"),
                ));
            }
            let leaf = package.leaf_node();
            let bound = credential::verify(
                leaf.credential().serialized_content(),
                suite,
                leaf.signature_key().as_slice(),
                Some(credential::now()),
            )?;
            Ok(Inspected::KeyPackage {
                suite,
                identity_key: bound.identity_key,
                name: bound.name,
                last_resort: package.last_resort(),
            })
        }
        MlsMessageBodyIn::PublicMessage(m) => Ok(group(ProtocolMessage::from(m))),
        MlsMessageBodyIn::PrivateMessage(m) => Ok(group(ProtocolMessage::from(m))),
        MlsMessageBodyIn::Welcome(w) => Ok(Inspected::Welcome {
            suite: w.ciphersuite(),
        }),
        _ => Err(GroupError::new(
            GroupCode::Malformed,
            "a group info or another MLS message a delivery service does not take",
        )),
    }
}

fn group(m: ProtocolMessage) -> Inspected {
    let content = match m.content_type() {
        ContentType::Application => Content::Application,
        ContentType::Proposal => Content::Proposal,
        ContentType::Commit => Content::Commit,
    };
    Inspected::Group {
        group_id: m.group_id().as_slice().to_vec(),
        epoch: m.epoch().as_u64(),
        content,
    }
}
