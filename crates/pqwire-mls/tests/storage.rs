//! `PqwireStorage` under openmls directly: queued proposals stored, removed one at a time,
//! cleared and committed (the `Member` API never queues its own); the ratchet tree entry
//! about as large as the tree's own encoding; a damaged entry refused on load, not a panic.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // helpers outside #[test]

use openmls::prelude::*;
use pqwire_mls::{MlsSigner, PqwireProvider};

const SUITE_1: Ciphersuite = Ciphersuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;
const XWING: Ciphersuite = Ciphersuite::MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519;

struct Client {
    provider: PqwireProvider,
    signer: MlsSigner,
    credential: CredentialWithKey,
}

fn client(suite: Ciphersuite, name: &str) -> Client {
    let signer = MlsSigner::generate(suite.signature_algorithm()).unwrap();
    let credential = CredentialWithKey {
        credential: BasicCredential::new(name.as_bytes().to_vec()).into(),
        signature_key: signer.public_key().to_vec().into(),
    };
    Client {
        provider: PqwireProvider::default(),
        signer,
        credential,
    }
}

fn key_package(suite: Ciphersuite, c: &Client) -> KeyPackage {
    KeyPackage::builder()
        .build(suite, &c.provider, &c.signer, c.credential.clone())
        .unwrap()
        .key_package()
        .clone()
}

fn create(suite: Ciphersuite, c: &Client) -> MlsGroup {
    let config = MlsGroupCreateConfig::builder()
        .ciphersuite(suite)
        .use_ratchet_tree_extension(true)
        .build();
    MlsGroup::new(&c.provider, &c.signer, &config, c.credential.clone()).unwrap()
}

/// The group as read back from the storage alone.
fn reloaded(c: &Client, group: &MlsGroup) -> MlsGroup {
    MlsGroup::load(c.provider.storage(), group.group_id())
        .unwrap()
        .expect("the group is stored")
}

/// Storage entries under `label` (keys are `label-length | label | ...`).
fn entries(c: &Client, label: &str) -> usize {
    let mut prefix = vec![label.len() as u8];
    prefix.extend_from_slice(label.as_bytes());
    let values = c.provider.storage().values.read().unwrap();
    values.keys().filter(|k| k.starts_with(&prefix)).count()
}

#[test]
fn queued_proposals_are_stored_removed_cleared_and_committed() {
    let alice = client(SUITE_1, "alice");
    let (bob, carol) = (client(SUITE_1, "bob"), client(SUITE_1, "carol"));
    let mut group = create(SUITE_1, &alice);
    let (_, bob_ref) = group
        .propose_add_member(&alice.provider, &alice.signer, &key_package(SUITE_1, &bob))
        .unwrap();
    group
        .propose_add_member(
            &alice.provider,
            &alice.signer,
            &key_package(SUITE_1, &carol),
        )
        .unwrap();
    assert_eq!(reloaded(&alice, &group).pending_proposals().count(), 2);
    assert_eq!(entries(&alice, "QueuedProposal"), 2);

    group
        .remove_pending_proposal(alice.provider.storage(), &bob_ref)
        .unwrap();
    let back = reloaded(&alice, &group);
    assert_eq!(back.pending_proposals().count(), 1);
    let left = back.pending_proposals().next().unwrap();
    let Proposal::Add(add) = left.proposal() else {
        panic!("expected an add proposal")
    };
    let carol_identity = add
        .key_package()
        .leaf_node()
        .credential()
        .serialized_content();
    assert_eq!(carol_identity, b"carol");
    assert_eq!(entries(&alice, "QueuedProposal"), 1);

    group
        .clear_pending_proposals(alice.provider.storage())
        .unwrap();
    assert_eq!(reloaded(&alice, &group).pending_proposals().count(), 0);
    assert_eq!(entries(&alice, "QueuedProposal"), 0);
    assert_eq!(entries(&alice, "ProposalQueueRefs"), 0);

    group
        .propose_add_member(&alice.provider, &alice.signer, &key_package(SUITE_1, &bob))
        .unwrap();
    group
        .commit_to_pending_proposals(&alice.provider, &alice.signer)
        .unwrap();
    group.merge_pending_commit(&alice.provider).unwrap();
    let back = reloaded(&alice, &group);
    assert_eq!(
        (back.members().count(), back.pending_proposals().count()),
        (2, 0)
    );
    assert_eq!(entries(&alice, "QueuedProposal"), 0);
    assert_eq!(entries(&alice, "ProposalQueueRefs"), 0);
}

#[test]
fn the_tree_entry_is_about_the_size_of_the_tree() {
    let alice = client(XWING, "alice");
    let mut group = create(XWING, &alice);
    let others: Vec<Client> = (0..9).map(|i| client(XWING, &format!("m{i}"))).collect();
    let packages: Vec<KeyPackage> = others.iter().map(|c| key_package(XWING, c)).collect();
    group
        .add_members(&alice.provider, &alice.signer, &packages)
        .unwrap();
    group.merge_pending_commit(&alice.provider).unwrap();
    let tree = group.export_ratchet_tree().tls_serialized_len();
    let stored = {
        let values = alice.provider.storage().values.read().unwrap();
        values
            .iter()
            .filter(|(k, _)| k.starts_with(b"\x04Tree"))
            .map(|(_, v)| v.len())
            .sum::<usize>()
    };
    // JSON wrote about 3.5 characters per byte; postcard adds a little structure.
    assert!(
        stored < tree + tree / 4,
        "tree entry {stored} bytes for a {tree}-byte tree"
    );
}

#[test]
fn a_damaged_entry_is_an_error_on_load() {
    let alice = client(SUITE_1, "alice");
    let group = create(SUITE_1, &alice);
    {
        let mut values = alice.provider.storage().values.write().unwrap();
        let (_, tree) = values
            .iter_mut()
            .find(|(k, _)| k.starts_with(b"\x04Tree"))
            .expect("a tree entry");
        tree.truncate(tree.len() / 2);
    }
    let loaded = MlsGroup::load(alice.provider.storage(), group.group_id());
    assert!(loaded.is_err(), "a truncated tree loaded");
}
