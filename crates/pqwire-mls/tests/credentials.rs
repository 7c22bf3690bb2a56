//! Credentials bound to pqwire identities (docs/groups.md, "Credentials"): every way a
//! credential that is not bound can reach a member (a key package it adds, a welcome into
//! a group that holds one, a commit that adds one) is refused with
//! `GROUP_UNBOUND_CREDENTIAL` and changes nothing; so are a binding copied onto another MLS
//! key, an expired identity (when adding), a leaf replaced by one of another identity, and
//! a proposal sent on its own (`GROUP_INVALID`: it would go unchecked into the next
//! commit). Raw openmls (with pqwire's provider) plays the member that does not follow the
//! rule.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // helpers outside #[test]

use openmls::prelude::tls_codec::Deserialize as _;
use openmls::prelude::*;
use pqwire_core::pqxdh::{Identity, Validity};
use pqwire_core::random::OsRandom;
use pqwire_core::SigSuite;
use pqwire_mls::{credential, GroupCode, Member, MlsSigner, PqwireProvider};

const XWING: Ciphersuite = Ciphersuite::MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519;

fn identity_valid(from: u64, to: u64) -> Identity {
    Identity::generate_random(SigSuite::Ed25519MlDsa65, Validity::new(from, to).unwrap()).unwrap()
}

fn identity() -> Identity {
    identity_valid(0, 1 << 40)
}

fn member(name: &str) -> Member {
    Member::new(XWING, &identity(), name.as_bytes()).unwrap()
}

/// A member written with openmls directly: its credential is whatever bytes it likes.
struct Raw {
    provider: PqwireProvider,
    signer: MlsSigner,
    credential: Vec<u8>,
}

impl Raw {
    fn new(credential: impl FnOnce(&MlsSigner) -> Vec<u8>) -> Self {
        let signer = MlsSigner::generate(XWING.signature_algorithm()).unwrap();
        let credential = credential(&signer);
        Self {
            provider: PqwireProvider::default(),
            signer,
            credential,
        }
    }

    /// A member whose credential is a plain name.
    fn unbound(name: &str) -> Self {
        Self::new(|_| name.as_bytes().to_vec())
    }

    /// A member with a proper binding, made by hand.
    fn bound(name: &str) -> Self {
        Self::new(|s| {
            credential::bind(
                &identity(),
                name.as_bytes(),
                XWING,
                s.public_key(),
                &mut OsRandom,
            )
            .unwrap()
        })
    }

    fn with_key(&self) -> CredentialWithKey {
        CredentialWithKey {
            credential: BasicCredential::new(self.credential.clone()).into(),
            signature_key: self.signer.public_key().to_vec().into(),
        }
    }

    fn key_package(&self) -> Vec<u8> {
        let bundle = KeyPackage::builder()
            .build(XWING, &self.provider, &self.signer, self.with_key())
            .unwrap();
        MlsMessageOut::from(bundle.key_package().clone())
            .to_bytes()
            .unwrap()
    }

    fn create_group(&self) -> MlsGroup {
        let config = MlsGroupCreateConfig::builder()
            .ciphersuite(XWING)
            .use_ratchet_tree_extension(true)
            .build();
        MlsGroup::new(&self.provider, &self.signer, &config, self.with_key()).unwrap()
    }

    /// Adds the members of these key packages; the commit and the welcome as bytes.
    fn add(&self, group: &mut MlsGroup, packages: &[Vec<u8>]) -> (Vec<u8>, Vec<u8>) {
        let packages: Vec<KeyPackage> = packages
            .iter()
            .map(|b| {
                let MlsMessageBodyIn::KeyPackage(k) = MlsMessageIn::tls_deserialize_exact(&b[..])
                    .unwrap()
                    .extract()
                else {
                    panic!("not a key package")
                };
                k.validate(self.provider.crypto(), ProtocolVersion::Mls10)
                    .unwrap()
            })
            .collect();
        let (commit, welcome, _) = group
            .add_members(&self.provider, &self.signer, &packages)
            .unwrap();
        group.merge_pending_commit(&self.provider).unwrap();
        (commit.to_bytes().unwrap(), welcome.to_bytes().unwrap())
    }
}

fn code<T: core::fmt::Debug>(r: pqwire_mls::Result<T>) -> GroupCode {
    r.expect_err("expected a refusal").code
}

#[test]
fn a_member_reads_the_binding_of_the_others() {
    let alice_identity = identity();
    let mut alice = Member::new(XWING, &alice_identity, b"alice").unwrap();
    let mut bob = member("bob");
    let group = alice.create_group().unwrap();
    let added = alice
        .add_members(&group, &[bob.key_package(false).unwrap()])
        .unwrap();
    alice.confirm_commit(&group).unwrap();
    bob.join(
        added.welcome.as_deref().unwrap(),
        added.ratchet_tree.as_deref(),
    )
    .unwrap();
    let members = bob.members(&group).unwrap();
    assert_eq!(members[0].name, b"alice");
    assert_eq!(
        members[0].identity_key,
        alice_identity.public().sig_key_encoded
    );
    assert_eq!(members[0].signature_key, alice.signature_key());
    assert_eq!(members[1].name, b"bob");
    let bound = credential::verify(
        alice.credential_bytes(),
        XWING,
        alice.signature_key(),
        Some(1),
    )
    .unwrap();
    assert_eq!(bound.fingerprint, alice_identity.public().key_id());
}

#[test]
fn unbound_copied_and_expired_credentials_cannot_be_added() {
    let mut alice = member("alice");
    let group = alice.create_group().unwrap();
    let record = alice.to_record().unwrap();

    let plain = Raw::unbound("mallory");
    // Alice's own binding, on another MLS key.
    let alices = alice.credential_bytes().to_vec();
    let copied = Raw::new(|_| alices.clone());
    // A binding whose identity expired in 1970.
    let expired = Raw::new(|s| {
        credential::bind(
            &identity_valid(0, 1),
            b"old",
            XWING,
            s.public_key(),
            &mut OsRandom,
        )
        .unwrap()
    });
    for raw in [&plain, &copied, &expired] {
        assert_eq!(
            code(alice.add_members(&group, &[raw.key_package()])),
            GroupCode::UnboundCredential
        );
        assert_eq!(*alice.to_record().unwrap(), *record, "the member changed");
    }
    // A proper binding made by hand is accepted.
    alice
        .add_members(&group, &[Raw::bound("carol").key_package()])
        .unwrap();
}

#[test]
fn a_welcome_into_a_group_with_an_unbound_member_is_refused() {
    let creator = Raw::unbound("mallory");
    let mut group = creator.create_group();
    let mut bob = member("bob");
    let (_, welcome) = creator.add(&mut group, &[bob.key_package(false).unwrap()]);
    let record = bob.to_record().unwrap();
    // openmls's own welcome carries the tree (its ratchet tree extension): no tree beside it.
    assert_eq!(code(bob.join(&welcome, None)), GroupCode::UnboundCredential);
    assert_eq!(*bob.to_record().unwrap(), *record);
}

#[test]
fn a_commit_adding_an_unbound_member_is_refused_with_nothing_changed() {
    let creator = Raw::bound("carol");
    let mut group = creator.create_group();
    let mut bob = member("bob");
    let (_, welcome) = creator.add(&mut group, &[bob.key_package(false).unwrap()]);
    let id = bob.join(&welcome, None).unwrap();
    let record = bob.to_record().unwrap();
    let (commit, _) = creator.add(&mut group, &[Raw::unbound("mallory").key_package()]);
    assert_eq!(
        code(bob.process(&id, &commit)),
        GroupCode::UnboundCredential
    );
    assert_eq!(*bob.to_record().unwrap(), *record);
    assert_eq!(bob.epoch(&id).unwrap(), 1);
}

#[test]
fn malformed_bindings_are_refused() {
    let signer = MlsSigner::generate(XWING.signature_algorithm()).unwrap();
    let good =
        credential::bind(&identity(), b"x", XWING, signer.public_key(), &mut OsRandom).unwrap();
    let key = signer.public_key();
    let check = |c: &[u8]| credential::verify(c, XWING, key, None).map(|_| ());
    check(&good).unwrap();
    let mut other_version = good.clone();
    other_version[0] = 2;
    let mut flipped = good.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    let mut trailing = good.clone();
    trailing.push(0);
    for bad in [
        &b""[..],
        &other_version,
        &flipped,
        &trailing,
        &good[..good.len() - 1],
    ] {
        assert_eq!(code(check(bad)), GroupCode::UnboundCredential);
    }
    // Bound for another suite.
    assert_eq!(
        code(credential::verify(
            &good,
            Ciphersuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519,
            key,
            None
        )),
        GroupCode::UnboundCredential
    );
}

/// Carol (raw, bound) and Bob (pqwire) in a group Carol made; Bob's group id.
fn carol_and_bob() -> (Raw, MlsGroup, Member, Vec<u8>) {
    let carol = Raw::bound("carol");
    let mut group = carol.create_group();
    let mut bob = member("bob");
    let (_, welcome) = carol.add(&mut group, &[bob.key_package(false).unwrap()]);
    let id = bob.join(&welcome, None).unwrap();
    (carol, group, bob, id)
}

#[test]
fn a_proposal_on_its_own_is_refused_and_not_kept() {
    let (carol, mut group, mut bob, id) = carol_and_bob();
    let record = bob.to_record().unwrap();
    let package = {
        let bytes = Raw::unbound("mallory").key_package();
        let MlsMessageBodyIn::KeyPackage(k) = MlsMessageIn::tls_deserialize_exact(&bytes[..])
            .unwrap()
            .extract()
        else {
            panic!("not a key package")
        };
        k.validate(carol.provider.crypto(), ProtocolVersion::Mls10)
            .unwrap()
    };
    let (proposal, _) = group
        .propose_add_member(&carol.provider, &carol.signer, &package)
        .unwrap();
    let proposal = proposal.to_bytes().unwrap();
    assert_eq!(code(bob.process(&id, &proposal)), GroupCode::Invalid);
    assert_eq!(*bob.to_record().unwrap(), *record);
    // Bob's own next commit carries nothing of it.
    bob.self_update(&id).unwrap();
    bob.confirm_commit(&id).unwrap();
    assert_eq!(bob.members(&id).unwrap().len(), 2);
}

#[test]
fn a_leaf_may_be_replaced_only_by_one_of_the_same_identity() {
    let (carol, mut group, mut bob, id) = carol_and_bob();
    let record = bob.to_record().unwrap();
    // Carol's new leaf, bound to another identity than hers.
    let new_signer = MlsSigner::generate(XWING.signature_algorithm()).unwrap();
    let other = credential::bind(
        &identity(),
        b"carol",
        XWING,
        new_signer.public_key(),
        &mut OsRandom,
    )
    .unwrap();
    let with_key = CredentialWithKey {
        credential: BasicCredential::new(other).into(),
        signature_key: new_signer.public_key().to_vec().into(),
    };
    let bundle = group
        .self_update_with_new_signer(
            &carol.provider,
            &carol.signer,
            NewSignerBundle {
                signer: &new_signer,
                credential_with_key: with_key,
            },
            LeafNodeParameters::default(),
        )
        .unwrap();
    let commit = bundle.into_messages().0.to_bytes().unwrap();
    assert_eq!(
        code(bob.process(&id, &commit)),
        GroupCode::UnboundCredential
    );
    assert_eq!(*bob.to_record().unwrap(), *record);
    // A plain update (same identity) goes through.
    group
        .clear_pending_commit(carol.provider.storage())
        .unwrap();
    let bundle = group
        .self_update(
            &carol.provider,
            &carol.signer,
            LeafNodeParameters::default(),
        )
        .unwrap();
    let commit = bundle.into_messages().0.to_bytes().unwrap();
    bob.process(&id, &commit).unwrap();
    assert_eq!(bob.epoch(&id).unwrap(), 2);
}
