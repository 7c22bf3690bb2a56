//! The operations checked, one [`Case`] each, on every backend pqwire has for them.
//!
//! A case prepares its inputs with ordinary (public) data, copies the secret ones into
//! buffers marked secret with [`memcheck::secret`], runs the operation it names, then
//! declassifies the output with [`memcheck::public`] and checks that the operation did
//! what it should (a valid ciphertext gives the encapsulated secret, a forged tag is
//! refused, ...), so that a case cannot pass by doing nothing. Setup that itself handles
//! secrets (a peer's encryption, a handshake) runs inside [`memcheck::unreported`]: each
//! case answers for its own operation only.

// Secret parts are lists of byte ranges, often of one range: that is what is meant.
#![allow(clippy::single_range_in_vec_init)]

use crate::memcheck::{public, secret, unreported};
use pqwire_core::channel::{
    Channel, ChannelConfig, ClientConfig, ServerConfig, ServerCredentials, ServerKey,
    ServerPublicKey, DEFAULT_CONFIG,
};
use pqwire_core::kdf::{self, HkdfHash};
use pqwire_core::kem::{self, KemBackend};
use pqwire_core::random::SeededRandom;
use pqwire_core::ratchet::{RatchetConfig, RatchetInit, RatchetState};
use pqwire_core::sig::{self, SigBackend, SignRandomness};
use pqwire_core::{aead, x25519, AeadSuite, Backend, KemSuite, SigSuite};
use std::hint::black_box;
use std::sync::Arc;

/// What a case returns: `Err` says what went wrong (the operation failed or gave a wrong
/// result), independently of valgrind's reports.
pub type Outcome = Result<(), String>;

/// One checked operation.
pub struct Case {
    /// `role/suite/backend/operation`, e.g. `kem/ML-KEM-768/aws-lc/decapsulate-tampered`.
    pub name: String,
    /// Self-test cases contain a deliberately secret-dependent branch or index: the check
    /// passes only if memcheck reports it.
    pub expect_report: bool,
    run: Box<dyn Fn() -> Outcome + Send + Sync>,
}

impl Case {
    fn new(name: String, run: impl Fn() -> Outcome + Send + Sync + 'static) -> Self {
        Case {
            name,
            expect_report: false,
            run: Box::new(run),
        }
    }

    /// Runs the operation (under valgrind when the runner started this process).
    pub fn run(&self) -> Outcome {
        (self.run)()
    }
}

fn err(e: pqwire_core::Error) -> String {
    format!("{} ({})", e, e.code())
}

fn ensure(ok: bool, what: &str) -> Outcome {
    if ok {
        Ok(())
    } else {
        Err(what.to_string())
    }
}

/// A copy of `bytes` whose `ranges` are marked secret.
fn with_secret(bytes: &[u8], ranges: &[core::ops::Range<usize>]) -> Vec<u8> {
    let mut copy = bytes.to_vec();
    for r in ranges {
        if let Some(part) = copy.get_mut(r.clone()) {
            secret(part);
        }
    }
    copy
}

/// A 32-byte array marked secret (a seed).
fn secret_seed(byte: u8) -> [u8; 32] {
    let mut seed = [byte; 32];
    secret(&mut seed);
    seed
}

/// A public copy of a (secret) output, for checking what the operation returned.
fn declassified(bytes: &[u8]) -> Vec<u8> {
    let mut copy = bytes.to_vec();
    public(&mut copy);
    copy
}

/// A copy of `bytes`, all of it secret.
fn all_secret(bytes: &[u8]) -> Vec<u8> {
    with_secret(bytes, &[0..bytes.len()])
}

/// Every case, in a fixed order.
pub fn all() -> Vec<Case> {
    let mut cases = Vec::new();
    self_tests(&mut cases);
    kem_cases(&mut cases);
    sig_cases(&mut cases);
    x25519_cases(&mut cases);
    aead_cases(&mut cases);
    hkdf_cases(&mut cases);
    ratchet_cases(&mut cases);
    channel_cases(&mut cases);
    cases
}

// --- self-test -------------------------------------------------------------------------

/// Cases that must be reported: they show that marking works and that the check can fail.
fn self_tests(cases: &mut Vec<Case>) {
    let mut branch = Case::new("self-test/secret-branch".into(), || {
        let key = all_secret(&[0x5a; 32]);
        // A comparison that stops at the first difference, as a naive tag check would.
        black_box(naive_eq(black_box(&key), &[0x5a; 32]));
        Ok(())
    });
    branch.expect_report = true;
    cases.push(branch);

    let mut index = Case::new("self-test/secret-index".into(), || {
        let table: Vec<u8> = (0..=255u8).collect();
        let key = all_secret(&[0x5a; 16]);
        // A table lookup indexed by a secret byte (a cache-timing leak, as in table AES).
        let mut acc = 0u8;
        for &b in &key {
            acc ^= black_box(&table)[usize::from(b)];
        }
        black_box(acc);
        Ok(())
    });
    index.expect_report = true;
    cases.push(index);

    // The same comparison on a declassified value is not reported: marking public works.
    cases.push(Case::new("self-test/declassified-branch".into(), || {
        let mut key = all_secret(&[0x5a; 32]);
        public(&mut key);
        black_box(naive_eq(black_box(&key), &[0x5a; 32]));
        Ok(())
    }));
}

/// Equality that returns at the first differing byte: the timing leak the self-test plants.
#[inline(never)]
fn naive_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    for (x, y) in a.iter().zip(b) {
        if x != y {
            return false;
        }
    }
    true
}

// --- KEM decapsulation -----------------------------------------------------------------

/// The secret parts of a KEM secret key: for ML-KEM's expanded `dk` = `dk_PKE ‖ ek ‖ H(ek)
/// ‖ z`, the vector s and z (ek and its hash are public); the hybrids' and X25519's keys
/// are secret whole.
fn kem_secret_ranges(suite: KemSuite, len: usize) -> Vec<core::ops::Range<usize>> {
    let k = match suite {
        KemSuite::MlKem512 => 2,
        KemSuite::MlKem768 => 3,
        KemSuite::MlKem1024 => 4,
        _ => return vec![0..len],
    };
    vec![0..384 * k, len - 32..len]
}

/// The backends an application can choose besides the default.
const CHOICES: [Backend; 3] = [Backend::Libcrux, Backend::RustCrypto, Backend::PqClean];

/// Every implementation of `suite`, with the name of the ML-KEM (or X25519) code
/// underneath (the hybrids' own `backend_name` is "pqwire"). The default backend is one of
/// them (AWS-LC for ML-KEM, libcrux for the hybrids); only X25519 has no other.
fn kem_backends(suite: KemSuite) -> Vec<(&'static str, &'static dyn KemBackend)> {
    let mut listed: Vec<(&'static str, &'static dyn KemBackend)> = Vec::new();
    listed.extend(kem::aws_lc_backend(suite).map(|b| ("aws-lc", b)));
    for b in CHOICES {
        listed.extend(kem::backend_of(suite, b).ok().map(|k| (b.name(), k)));
    }
    if listed.is_empty() {
        vec![("aws-lc", kem::backend(suite))]
    } else {
        listed
    }
}

fn kem_cases(cases: &mut Vec<Case>) {
    for suite in [
        KemSuite::MlKem512,
        KemSuite::MlKem768,
        KemSuite::MlKem1024,
        KemSuite::XWing,
        KemSuite::X25519MlKem512,
        KemSuite::X25519MlKem1024,
        KemSuite::X25519,
    ] {
        for (label, backend) in kem_backends(suite) {
            for tampered in [false, true] {
                let name = format!(
                    "kem/{}/{label}/decapsulate-{}",
                    suite.name(),
                    if tampered { "tampered" } else { "valid" }
                );
                cases.push(Case::new(name, move || kem_decapsulate(backend, tampered)));
            }
        }
    }
}

/// Loads a secret key and decapsulates a valid or tampered ciphertext with it.
fn kem_decapsulate(backend: &'static dyn KemBackend, tampered: bool) -> Outcome {
    let suite = backend.suite();
    let (pk, sk) = backend.keygen(None).map_err(err)?;
    let enc = backend.encapsulate(&pk, None).map_err(err)?;
    let mut ct = enc.cipher_text.clone();
    if tampered {
        if let Some(b) = ct.first_mut() {
            *b ^= 1;
        }
    }
    let sk = with_secret(sk.expose(), &kem_secret_ranges(suite, sk.expose().len()));

    let ss = backend
        .load_secret_key(&sk)
        .and_then(|d| d.decapsulate(&ct))
        .map_err(err)?;

    let same = declassified(ss.expose()) == enc.shared_secret.expose();
    ensure(
        same != tampered,
        "decapsulation gave the wrong secret (valid: must match; tampered: must not)",
    )
}

// --- signatures ------------------------------------------------------------------------

/// The secret parts of an expanded ML-DSA key `ρ ‖ K ‖ tr ‖ s1 ‖ s2 ‖ t0`: K and from s1
/// on (ρ and tr = H(pk) are public), shifted by `offset` (the hybrids' Ed25519 seed).
fn ml_dsa_secret_ranges(offset: usize, len: usize) -> Vec<core::ops::Range<usize>> {
    vec![offset + 32..offset + 64, offset + 128..len]
}

fn sig_secret_ranges(suite: SigSuite, len: usize) -> Vec<core::ops::Range<usize>> {
    match suite {
        SigSuite::Ed25519 => vec![0..len],
        SigSuite::MlDsa44 | SigSuite::MlDsa65 | SigSuite::MlDsa87 => ml_dsa_secret_ranges(0, len),
        SigSuite::Ed25519MlDsa65 | SigSuite::Ed25519MlDsa87 => {
            let mut r = vec![0..32];
            r.extend(ml_dsa_secret_ranges(32, len));
            r
        }
    }
}

fn sig_backends(suite: SigSuite) -> Vec<(&'static str, &'static dyn SigBackend)> {
    let mut out = Vec::new();
    if suite == SigSuite::Ed25519 {
        out.push(("aws-lc", sig::backend(suite)));
    }
    for b in CHOICES {
        out.extend(sig::backend_of(suite, b).ok().map(|s| (b.name(), s)));
    }
    out
}

fn sig_cases(cases: &mut Vec<Case>) {
    for suite in [
        SigSuite::MlDsa44,
        SigSuite::MlDsa65,
        SigSuite::MlDsa87,
        SigSuite::Ed25519,
        SigSuite::Ed25519MlDsa65,
        SigSuite::Ed25519MlDsa87,
    ] {
        for (label, backend) in sig_backends(suite) {
            if suite != SigSuite::Ed25519 {
                cases.push(Case::new(
                    format!("sig/{}/{label}/load-secret-key", suite.name()),
                    move || sig_load(backend),
                ));
            }
            cases.push(Case::new(
                format!("sig/{}/{label}/sign", suite.name()),
                move || sig_sign(backend),
            ));
        }
    }
}

/// A freshly generated key pair (the PQClean backend has random key generation only).
fn sig_keygen(backend: &dyn SigBackend) -> Result<(Vec<u8>, Vec<u8>), String> {
    let (pk, sk) = backend.keygen(None).map_err(err)?;
    Ok((pk, sk.expose().to_vec()))
}

/// Loads (parses and checks) a secret key.
fn sig_load(backend: &'static dyn SigBackend) -> Outcome {
    let (_, sk) = sig_keygen(backend)?;
    let sk = with_secret(&sk, &sig_secret_ranges(backend.suite(), sk.len()));
    let loaded = backend.load_secret_key(&sk).map_err(err)?;
    drop(black_box(loaded));
    Ok(())
}

/// Signs with a loaded key and secret randomness (hedged PQClean takes its own).
fn sig_sign(backend: &'static dyn SigBackend) -> Outcome {
    let suite = backend.suite();
    let (pk, sk) = sig_keygen(backend)?;
    let sk = with_secret(&sk, &sig_secret_ranges(suite, sk.len()));
    // Ed25519 loads and signs in one step below; ML-DSA loading has its own case.
    let signer = if suite == SigSuite::Ed25519 {
        backend.load_secret_key(&sk)
    } else {
        unreported(|| backend.load_secret_key(&sk))
    }
    .map_err(err)?;
    let rnd = all_secret(&[0x42; 32]);
    let randomness = if suite == SigSuite::Ed25519 || backend.backend_name() == "pqclean" {
        SignRandomness::Hedged
    } else {
        SignRandomness::Given(&rnd)
    };
    let message = b"pqwire constant-time check";

    let mut signature = signer.sign(message, b"", randomness).map_err(err)?;

    public(&mut signature);
    let v = backend.verify(&signature, message, &pk, b"").map_err(err)?;
    ensure(v.valid, "the signature does not verify")
}

// --- X25519 ----------------------------------------------------------------------------

fn x25519_cases(cases: &mut Vec<Case>) {
    cases.push(Case::new("x25519/aws-lc/shared-secret".into(), || {
        let (a, a_pub) = x25519::keygen(None).map_err(err)?;
        let (b, b_pub) = x25519::keygen(None).map_err(err)?;
        let a = all_secret(a.expose());

        let ss = x25519::shared_secret(&a, &b_pub).map_err(err)?;

        let expected = x25519::shared_secret(b.expose(), &a_pub).map_err(err)?;
        ensure(
            declassified(ss.expose()) == expected.expose(),
            "the two sides disagree",
        )
    }));
}

// --- AEAD ------------------------------------------------------------------------------

fn aead_cases(cases: &mut Vec<Case>) {
    for suite in [AeadSuite::ChaCha20Poly1305, AeadSuite::Aes256Gcm] {
        for (label, reference) in [("aws-lc", false), ("rustcrypto", true)] {
            for forged in [false, true] {
                let name = format!(
                    "aead/{}/{label}/open-{}",
                    suite.name(),
                    if forged { "forged-tag" } else { "valid" }
                );
                cases.push(Case::new(name, move || aead_open(suite, reference, forged)));
            }
        }
    }
}

fn aead_open(suite: AeadSuite, reference: bool, forged: bool) -> Outcome {
    let alg = if reference {
        aead::reference(suite)
    } else {
        aead::algorithm(suite)
    };
    let key = [0x17u8; aead::KEY_LEN];
    let nonce = [0x03u8; aead::NONCE_LEN];
    let plaintext = b"a message of a few blocks for the constant-time check, 64 bytes.";
    let mut sealed = alg.seal(&key, &nonce, plaintext, b"ad").map_err(err)?;
    if forged {
        if let Some(last) = sealed.last_mut() {
            *last ^= 0x80;
        }
    }
    let key = all_secret(&key);

    let opened = alg.open(&key, &nonce, &sealed, b"ad");

    match opened {
        Ok(p) => {
            let p = declassified(&p);
            ensure(
                !forged && p == plaintext,
                "a forged tag was accepted, or wrong plaintext",
            )
        }
        Err(e) => ensure(
            forged && e.code() == "AUTH_FAILED",
            "a valid ciphertext was refused",
        ),
    }
}

// --- HKDF ------------------------------------------------------------------------------

fn hkdf_cases(cases: &mut Vec<Case>) {
    for (label, hash) in [
        ("HKDF-SHA256", HkdfHash::Sha256),
        ("HKDF-SHA512", HkdfHash::Sha512),
    ] {
        cases.push(Case::new(
            format!("kdf/{label}/extract-expand"),
            move || {
                let ikm = all_secret(&[0x0b; 48]);

                let okm = kdf::hkdf(hash, &ikm, b"salt", b"info", 80).map_err(err)?;

                let again = kdf::hkdf(hash, &[0x0b; 48], b"salt", b"info", 80).map_err(err)?;
                ensure(
                    declassified(okm.expose()) == again.expose(),
                    "HKDF is not deterministic",
                )
            },
        ));
    }
}

// --- ratchet ---------------------------------------------------------------------------

const NOW: u64 = 1_700_000_000;

/// Alice and Bob after a handshake, with the handshake's secrets (root key, chain key,
/// Bob's signed-prekey secret) marked secret in `secret_side`'s copy only.
struct RatchetPair {
    alice: RatchetState,
    bob: RatchetState,
}

#[derive(Clone, Copy, PartialEq)]
enum Side {
    Alice,
    Bob,
}

fn ratchet_init<'a>(root_key: &'a [u8], chain_key: &'a [u8]) -> RatchetInit<'a> {
    RatchetInit {
        root_key,
        chain_key,
        session_id: [9; 32],
        kem: KemSuite::MlKem768,
        aead: AeadSuite::ChaCha20Poly1305,
        config: RatchetConfig::default(),
        now: NOW,
    }
}

fn ratchet_pair(secret_side: Side) -> Result<RatchetPair, String> {
    let root = [1u8; 32];
    let chain = [2u8; 32];
    let (spk_secret, spk_public) = x25519::keygen(Some(&[3; 32])).map_err(err)?;
    let (root_a, chain_a) = if secret_side == Side::Alice {
        (all_secret(&root), all_secret(&chain))
    } else {
        (root.to_vec(), chain.to_vec())
    };
    let (root_b, chain_b, spk_b) = if secret_side == Side::Bob {
        (
            all_secret(&root),
            all_secret(&chain),
            all_secret(spk_secret.expose()),
        )
    } else {
        (root.to_vec(), chain.to_vec(), spk_secret.expose().to_vec())
    };
    unreported(|| {
        Ok(RatchetPair {
            alice: RatchetState::init_initiator(ratchet_init(&root_a, &chain_a), &spk_public)
                .map_err(err)?,
            bob: RatchetState::init_responder(ratchet_init(&root_b, &chain_b), &spk_b)
                .map_err(err)?,
        })
    })
}

fn ratchet_cases(cases: &mut Vec<Case>) {
    // Bob receives Alice's first message: an X25519 ratchet step, Alice's KEM key stored.
    for forged in [false, true] {
        let name = format!(
            "ratchet/ML-KEM-768/decrypt-dh-step{}",
            if forged { "-forged" } else { "" }
        );
        cases.push(Case::new(name, move || {
            let mut p = ratchet_pair(Side::Bob)?;
            let (header, mut ct) = p
                .alice
                .encrypt(b"hello Bob", b"meta", NOW + 1)
                .map_err(err)?;
            if forged {
                if let Some(b) = ct.last_mut() {
                    *b ^= 1;
                }
            }

            let got = p.bob.decrypt(&header, &ct, NOW + 2);

            ratchet_outcome(got, forged, b"hello Bob")
        }));
    }
    // Alice receives Bob's reply: a KEM step (decapsulation with her ratchet KEM key) and
    // an X25519 step. Her state is loaded from its record with its secrets marked.
    cases.push(Case::new(
        "ratchet/ML-KEM-768/decrypt-kem-step".into(),
        || {
            let mut p = ratchet_pair(Side::Bob)?;
            let (h, ct) = p.alice.encrypt(b"hello Bob", b"", NOW + 1).map_err(err)?;
            let (h, ct) = unreported(|| {
                p.bob.decrypt(&h, &ct, NOW + 2)?;
                p.bob.encrypt(b"hi Alice", b"", NOW + 3)
            })
            .map_err(err)?;
            ensure(h.kem_ciphertext.is_some(), "no KEM step in the reply")?;
            let record = secret_record(&p.alice.serialize())?;
            let mut alice = unreported(|| RatchetState::deserialize(&record)).map_err(err)?;

            let got = alice.decrypt(&h, &ct, NOW + 4);

            ratchet_outcome(got, false, b"hi Alice")
        },
    ));
}

/// A copy of a `session-state` record (`magic(2) | version | type | (tag u16 | len u32 |
/// value)*`) with the secret fields marked: root and chain keys, the ratchet X25519 secret,
/// and of the ratchet ML-KEM-768 secret key the vector s and z (its ek and H(ek) are public).
fn secret_record(record: &[u8]) -> Result<Vec<u8>, String> {
    const ROOT_KEY: u16 = 0x000B;
    const SEND_CHAIN_KEY: u16 = 0x000C;
    const RECV_CHAIN_KEY: u16 = 0x000F;
    const RATCHET_SECRET_KEY: u16 = 0x0011;
    const KEM_SECRET_KEY: u16 = 0x0016;
    let mut out = record.to_vec();
    let mut at = 4;
    while at < out.len() {
        let field = out.get(at..at + 6).ok_or("truncated record")?;
        let tag = u16::from_be_bytes([field[0], field[1]]);
        let len = u32::from_be_bytes([field[2], field[3], field[4], field[5]]) as usize;
        let value = at + 6..at + 6 + len;
        let ranges = match tag {
            ROOT_KEY | SEND_CHAIN_KEY | RECV_CHAIN_KEY | RATCHET_SECRET_KEY => vec![0..len],
            KEM_SECRET_KEY => kem_secret_ranges(KemSuite::MlKem768, len),
            _ => vec![],
        };
        for r in ranges {
            let part = out
                .get_mut(value.start + r.start..value.start + r.end)
                .ok_or("truncated record")?;
            secret(part);
        }
        at = value.end;
    }
    Ok(out)
}

fn ratchet_outcome(got: pqwire_core::Result<Vec<u8>>, forged: bool, expected: &[u8]) -> Outcome {
    match got {
        Ok(p) => {
            let p = declassified(&p);
            ensure(
                !forged && p == expected,
                "a forged message was accepted, or wrong plaintext",
            )
        }
        Err(e) => ensure(
            forged && e.code() == "AUTH_FAILED",
            &format!("a valid message was refused: {}", err(e)),
        ),
    }
}

// --- online channel --------------------------------------------------------------------

/// A client and a server after a Simplex handshake; `secret_side` took its randomness
/// (its KEM secrets, hence its channel keys) from a seed marked secret.
fn channel_pair(secret_client: bool) -> Result<(Channel, Channel), String> {
    let key = Arc::new(
        ServerKey::generate(DEFAULT_CONFIG, NOW, NOW + 86_400, Some([1; 32])).map_err(err)?,
    );
    let pinned = ServerPublicKey::decode(key.public().encoded()).map_err(err)?;
    let credentials = Arc::new(ServerCredentials {
        keys: vec![key],
        trusted_clients: vec![],
    });
    let (client_rng, server_rng) = if secret_client {
        (
            SeededRandom::new(secret_seed(2)),
            SeededRandom::new([4; 32]),
        )
    } else {
        (
            SeededRandom::new([4; 32]),
            SeededRandom::new(secret_seed(2)),
        )
    };
    unreported(|| {
        let mut client = Channel::client_with(
            ClientConfig {
                channel: ChannelConfig::default(),
                server_key: pinned,
                client_key: None,
            },
            NOW,
            Box::new(client_rng),
        )
        .map_err(err)?;
        let mut server = Channel::server_with(
            ServerConfig {
                channel: ChannelConfig::default(),
                credentials,
            },
            NOW,
            Box::new(server_rng),
        )
        .map_err(err)?;
        let wire = |packets: Vec<Vec<u8>>| declassified(&packets.concat());
        let hello = wire(client.start(NOW).map_err(err)?.transmit);
        let answer = wire(server.receive(&hello, NOW).transmit);
        let exchange = wire(client.receive(&answer, NOW).transmit);
        let done = server.receive(&exchange, NOW);
        let finish = wire(done.transmit);
        let secure = client.receive(&finish, NOW);
        ensure(
            done.events.first().map(|e| e.kind()) == Some("secure")
                && secure.events.first().map(|e| e.kind()) == Some("secure"),
            "the channel handshake did not complete",
        )?;
        Ok((client, server))
    })
}

fn channel_cases(cases: &mut Vec<Case>) {
    for (receiver, label) in [(true, "client"), (false, "server")] {
        for forged in [false, true] {
            let name = format!(
                "channel/simplex/{label}-open-packet{}",
                if forged { "-forged" } else { "" }
            );
            cases.push(Case::new(name, move || {
                let (mut client, mut server) = channel_pair(receiver)?;
                let (from, to) = if receiver {
                    (&mut server, &mut client)
                } else {
                    (&mut client, &mut server)
                };
                let mut packet = unreported(|| from.send(b"hello", NOW + 1))
                    .map_err(err)?
                    .transmit
                    .concat();
                public(&mut packet);
                if forged {
                    if let Some(b) = packet.last_mut() {
                        *b ^= 1;
                    }
                }

                let out = to.receive(&packet, NOW + 1);

                let received: Vec<Vec<u8>> = out.received.iter().map(|r| declassified(r)).collect();
                if forged {
                    ensure(
                        received.is_empty() && out.closed,
                        "a forged packet was accepted",
                    )
                } else {
                    ensure(
                        received == vec![b"hello".to_vec()],
                        "the packet was not opened",
                    )
                }
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_names_are_unique() {
        let cases = all();
        let mut names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before);
    }

    #[test]
    fn ml_kem_secret_ranges_leave_the_public_key_out() {
        // ML-KEM-768: dk = s (1152) ‖ ek (1184) ‖ H(ek) (32) ‖ z (32).
        assert_eq!(
            kem_secret_ranges(KemSuite::MlKem768, 2400),
            vec![0..1152, 2368..2400]
        );
    }
}
