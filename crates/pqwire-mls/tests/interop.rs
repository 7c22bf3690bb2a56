//! Interop, proven: groups where pqwire's provider and openmls's own providers
//! (`openmls_libcrux_crypto`, `openmls_rust_crypto`) are members together, for every
//! suite both offer, each side in turn creating the group.
//!
//! Each member signs with its own provider's crypto, every message crosses as bytes, and
//! the run covers every HPKE and signature path: a welcome to the other provider's key
//! package, commits with update paths encrypted across providers (an add, a self-update,
//! a remove), application messages both ways, and the exporter secret, which must agree
//! among all members at every epoch.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // helpers outside #[test]

use openmls::prelude::tls_codec::{Deserialize as _, Serialize as _};
use openmls::prelude::*;
use openmls_libcrux_crypto::Provider as LibcruxProvider;
use openmls_rust_crypto::OpenMlsRustCrypto;
use openmls_traits::crypto::OpenMlsCrypto;
use openmls_traits::signatures::{Signer, SignerError};
use openmls_traits::types::SignatureScheme;
use openmls_traits::OpenMlsProvider;
use pqwire_mls::{suites, PqwireProvider};

/// One provider's own signing: `(scheme, data, secret key)` to a signature.
type SignWith = fn(SignatureScheme, &[u8], &[u8]) -> Result<Vec<u8>, CryptoError>;

/// A signature key made and used by one provider's own crypto.
struct ProviderSigner {
    scheme: SignatureScheme,
    secret: Vec<u8>,
    sign: SignWith,
}

impl Signer for ProviderSigner {
    fn sign(&self, payload: &[u8]) -> Result<Vec<u8>, SignerError> {
        (self.sign)(self.scheme, payload, &self.secret).map_err(|_| SignerError::SigningError)
    }

    fn signature_scheme(&self) -> SignatureScheme {
        self.scheme
    }
}

/// A member: its provider, signer, credential and (once in) its group.
struct Member<P: OpenMlsProvider> {
    name: &'static str,
    provider: P,
    signer: ProviderSigner,
    credential: CredentialWithKey,
    group: Option<MlsGroup>,
}

impl<P: OpenMlsProvider> Member<P> {
    fn new(name: &'static str, provider: P, suite: Ciphersuite, sign: SignWith) -> Self {
        let scheme = suite.signature_algorithm();
        let (secret, public) = provider.crypto().signature_key_gen(scheme).unwrap();
        let credential = CredentialWithKey {
            credential: BasicCredential::new(name.as_bytes().to_vec()).into(),
            signature_key: public.clone().into(),
        };
        let signer = ProviderSigner {
            scheme,
            secret,
            sign,
        };
        Self {
            name,
            provider,
            signer,
            credential,
            group: None,
        }
    }

    fn group(&mut self) -> &mut MlsGroup {
        self.group.as_mut().unwrap()
    }

    fn key_package(&self, suite: Ciphersuite) -> Vec<u8> {
        let bundle = KeyPackage::builder()
            .build(suite, &self.provider, &self.signer, self.credential.clone())
            .unwrap();
        bundle.key_package().tls_serialize_detached().unwrap()
    }

    fn create(&mut self, suite: Ciphersuite) {
        let config = MlsGroupCreateConfig::builder()
            .ciphersuite(suite)
            .use_ratchet_tree_extension(true)
            .build();
        let group = MlsGroup::new(
            &self.provider,
            &self.signer,
            &config,
            self.credential.clone(),
        )
        .unwrap();
        self.group = Some(group);
    }

    /// Adds the member of the serialized key package; returns (commit, welcome) as bytes.
    fn add(&mut self, key_package: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let key_package = KeyPackageIn::tls_deserialize_exact(key_package)
            .unwrap()
            .validate(self.provider.crypto(), ProtocolVersion::Mls10)
            .unwrap();
        let (provider, signer) = (&self.provider, &self.signer);
        let group = self.group.as_mut().unwrap();
        let (commit, welcome, _) = group.add_members(provider, signer, &[key_package]).unwrap();
        group.merge_pending_commit(provider).unwrap();
        (commit.to_bytes().unwrap(), welcome.to_bytes().unwrap())
    }

    fn join(&mut self, welcome: &[u8]) {
        let welcome = MlsMessageIn::tls_deserialize_exact(welcome).unwrap();
        let MlsMessageBodyIn::Welcome(welcome) = welcome.extract() else {
            panic!("{}: not a welcome", self.name)
        };
        let group = StagedWelcome::new_from_welcome(
            &self.provider,
            &MlsGroupJoinConfig::builder()
                .use_ratchet_tree_extension(true)
                .build(),
            welcome,
            None,
        )
        .unwrap()
        .into_group(&self.provider)
        .unwrap();
        self.group = Some(group);
    }

    fn self_update(&mut self) -> Vec<u8> {
        let (provider, signer) = (&self.provider, &self.signer);
        let group = self.group.as_mut().unwrap();
        let bundle = group
            .self_update(provider, signer, LeafNodeParameters::default())
            .unwrap();
        let commit = bundle.into_contents().0;
        group.merge_pending_commit(provider).unwrap();
        commit.to_bytes().unwrap()
    }

    fn remove(&mut self, name: &str) -> Vec<u8> {
        let (provider, signer) = (&self.provider, &self.signer);
        let group = self.group.as_mut().unwrap();
        let leaf = group
            .members()
            .find(|m| m.credential.serialized_content() == name.as_bytes())
            .unwrap()
            .index;
        let (commit, _, _) = group.remove_members(provider, signer, &[leaf]).unwrap();
        group.merge_pending_commit(provider).unwrap();
        commit.to_bytes().unwrap()
    }

    fn send(&mut self, text: &str) -> Vec<u8> {
        let (provider, signer) = (&self.provider, &self.signer);
        let message = self
            .group
            .as_mut()
            .unwrap()
            .create_message(provider, signer, text.as_bytes())
            .unwrap();
        message.to_bytes().unwrap()
    }

    /// Processes a message: an application message's text, or `None` for a merged commit.
    fn receive(&mut self, bytes: &[u8]) -> Result<Option<String>, String> {
        let message = MlsMessageIn::tls_deserialize_exact(bytes).unwrap();
        let message = message.try_into_protocol_message().unwrap();
        let provider = &self.provider;
        let group = self.group.as_mut().unwrap();
        let processed = group
            .process_message(provider, message)
            .map_err(|e| format!("{e:?}"))?;
        match processed.into_content() {
            ProcessedMessageContent::ApplicationMessage(m) => {
                Ok(Some(String::from_utf8(m.into_bytes()).unwrap()))
            }
            ProcessedMessageContent::StagedCommitMessage(commit) => {
                group.merge_staged_commit(provider, *commit).unwrap();
                Ok(None)
            }
            other => panic!("{}: unexpected {other:?}", self.name),
        }
    }

    fn exported(&mut self) -> (u64, Vec<u8>) {
        let crypto = self.provider.crypto();
        let group = self.group.as_ref().unwrap();
        (
            group.epoch().as_u64(),
            group
                .export_secret(crypto, "pqwire interop", b"", 32)
                .unwrap(),
        )
    }
}

fn pqwire_sign(scheme: SignatureScheme, data: &[u8], key: &[u8]) -> Result<Vec<u8>, CryptoError> {
    PqwireProvider::default().crypto().sign(scheme, data, key)
}

fn rust_crypto_sign(
    scheme: SignatureScheme,
    data: &[u8],
    key: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    OpenMlsRustCrypto::default()
        .crypto()
        .sign(scheme, data, key)
}

fn libcrux_sign(scheme: SignatureScheme, data: &[u8], key: &[u8]) -> Result<Vec<u8>, CryptoError> {
    LibcruxProvider::default().crypto().sign(scheme, data, key)
}

/// Alice (provider A) creates, adds Bob (B); both talk; Bob updates; Bob adds Carol (A);
/// Carol talks; Alice removes Bob, who cannot read what follows.
fn three_members<A: OpenMlsProvider, B: OpenMlsProvider>(
    suite: Ciphersuite,
    mut alice: Member<A>,
    mut bob: Member<B>,
    mut carol: Member<A>,
) {
    let label = format!("{suite:?} {} with {}", alice.name, bob.name);
    alice.create(suite);
    let (_, welcome) = alice.add(&bob.key_package(suite));
    bob.join(&welcome);
    assert_eq!(alice.exported(), bob.exported(), "{label}: after the add");

    let hello = alice.send("hello bob");
    assert_eq!(
        bob.receive(&hello).unwrap().as_deref(),
        Some("hello bob"),
        "{label}"
    );
    let reply = bob.send("hello alice");
    assert_eq!(
        alice.receive(&reply).unwrap().as_deref(),
        Some("hello alice"),
        "{label}"
    );

    let update = bob.self_update();
    assert_eq!(alice.receive(&update).unwrap(), None, "{label}");
    assert_eq!(
        alice.exported(),
        bob.exported(),
        "{label}: after Bob's update"
    );

    let (commit, welcome) = bob.add(&carol.key_package(suite));
    assert_eq!(alice.receive(&commit).unwrap(), None, "{label}");
    carol.join(&welcome);
    let epoch = alice.exported();
    assert_eq!(epoch, bob.exported(), "{label}: after Carol's add");
    assert_eq!(epoch, carol.exported(), "{label}: after Carol's add");

    let from_carol = carol.send("hi both");
    assert_eq!(
        alice.receive(&from_carol).unwrap().as_deref(),
        Some("hi both"),
        "{label}"
    );
    assert_eq!(
        bob.receive(&from_carol).unwrap().as_deref(),
        Some("hi both"),
        "{label}"
    );

    let removal = alice.remove(bob.name);
    assert_eq!(carol.receive(&removal).unwrap(), None, "{label}");
    assert_eq!(
        bob.receive(&removal).unwrap(),
        None,
        "{label}: Bob sees his removal"
    );
    assert!(
        !bob.group().is_active(),
        "{label}: Bob's group is no longer active"
    );
    assert_eq!(
        alice.exported(),
        carol.exported(),
        "{label}: after Bob's removal"
    );
    let secret = alice.send("bob is gone");
    assert_eq!(
        carol.receive(&secret).unwrap().as_deref(),
        Some("bob is gone"),
        "{label}"
    );
    assert!(
        bob.receive(&secret).is_err(),
        "{label}: a removed member reads nothing new"
    );
}

/// Both directions of one pairing: pqwire creating with the other joining, and back.
fn both_ways<O: OpenMlsProvider>(suite: Ciphersuite, other: fn() -> O, other_sign: SignWith) {
    three_members(
        suite,
        Member::new(
            "pqwire-alice",
            PqwireProvider::default(),
            suite,
            pqwire_sign,
        ),
        Member::new("other-bob", other(), suite, other_sign),
        Member::new(
            "pqwire-carol",
            PqwireProvider::default(),
            suite,
            pqwire_sign,
        ),
    );
    three_members(
        suite,
        Member::new("other-alice", other(), suite, other_sign),
        Member::new("pqwire-bob", PqwireProvider::default(), suite, pqwire_sign),
        Member::new("other-carol", other(), suite, other_sign),
    );
}

/// The suites pqwire and `other` both offer.
fn shared<C: OpenMlsCrypto>(other: &C) -> Vec<Ciphersuite> {
    let theirs = other.supported_ciphersuites();
    suites::SUPPORTED
        .into_iter()
        .filter(|s| theirs.contains(s))
        .collect()
}

#[test]
fn with_openmls_libcrux_crypto_on_every_shared_suite() {
    let suites = shared(LibcruxProvider::default().crypto());
    // X-Wing is why this provider is here.
    assert!(
        suites.contains(&Ciphersuite::MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519),
        "{suites:?}"
    );
    for suite in suites {
        both_ways(suite, LibcruxProvider::default, libcrux_sign);
    }
}

#[test]
fn with_openmls_rust_crypto_on_every_shared_suite() {
    let suites = shared(OpenMlsRustCrypto::default().crypto());
    assert!(suites.len() >= 10, "{suites:?}");
    for suite in suites {
        both_ways(suite, OpenMlsRustCrypto::default, rust_crypto_sign);
    }
}

#[test]
fn every_offered_suite_is_covered_by_one_of_the_two() {
    let mut covered = shared(LibcruxProvider::default().crypto());
    covered.extend(shared(OpenMlsRustCrypto::default().crypto()));
    let missing: Vec<_> = suites::SUPPORTED
        .into_iter()
        .filter(|s| !covered.contains(s))
        .collect();
    assert!(
        missing.is_empty(),
        "offered without an interop partner: {missing:?}"
    );
}

#[test]
fn pqwire_alone_on_every_offered_suite() {
    for suite in suites::SUPPORTED {
        three_members(
            suite,
            Member::new("alice", PqwireProvider::default(), suite, pqwire_sign),
            Member::new("bob", PqwireProvider::default(), suite, pqwire_sign),
            Member::new("carol", PqwireProvider::default(), suite, pqwire_sign),
        );
    }
}
