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

mod primitives;

use crate::memcheck::{public, secret, unreported};
use pqwire_core::channel::{
    Channel, ChannelConfig, ClientConfig, ServerConfig, ServerCredentials, ServerKey,
    ServerPublicKey, DEFAULT_CONFIG,
};
use pqwire_core::random::SeededRandom;
use pqwire_core::ratchet::{Header, RatchetConfig, RatchetInit, RatchetState};
use pqwire_core::{x25519, AeadSuite, KemSuite};
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

/// The verdict on an authenticated decryption of a `what` (a ratchet message, an AEAD
/// ciphertext): a genuine one opens to `expected`, a `forged` one is `AUTH_FAILED`.
fn opened(got: pqwire_core::Result<Vec<u8>>, forged: bool, expected: &[u8], what: &str) -> Outcome {
    match got {
        Ok(p) => ensure(
            !forged && declassified(&p) == expected,
            &format!("a forged {what} was accepted, or wrong plaintext"),
        ),
        Err(e) => ensure(
            forged && e.code() == "AUTH_FAILED",
            &format!("a valid {what} was refused: {}", err(e)),
        ),
    }
}

/// A copy of `bytes`, all of it secret.
fn all_secret(bytes: &[u8]) -> Vec<u8> {
    with_secret(bytes, &[0..bytes.len()])
}

/// Every case, in a fixed order.
pub fn all() -> Vec<Case> {
    let mut cases = Vec::new();
    self_tests(&mut cases);
    primitives::kem_cases(&mut cases);
    primitives::sig_cases(&mut cases);
    primitives::x25519_cases(&mut cases);
    primitives::aead_cases(&mut cases);
    primitives::hkdf_cases(&mut cases);
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

            opened(got, forged, b"hello Bob", "message")
        }));
    }
    // Alice receives the message of Bob that completes the ciphertext to her ratchet
    // ML-KEM key: the erasure decoding and the decapsulation (her key expanded from its
    // seed) run in this decryption. Her state is loaded from its record with its secrets
    // marked.
    cases.push(Case::new(
        "ratchet/ML-KEM-768/decrypt-completing-ciphertext".into(),
        || {
            let mut p = ratchet_pair(Side::Bob)?;
            let (h, ct) = unreported(|| completing_message(&mut p)).map_err(err)?;
            let record = secret_record(&p.alice.serialize())?;
            let mut alice = unreported(|| RatchetState::deserialize(&record)).map_err(err)?;

            let got = alice.decrypt(&h, &ct, NOW + 4);

            opened(got, false, b"hi Alice", "message")?;
            // The decryption did decapsulate: Alice's next message mixes the secret.
            let (next, _) = unreported(|| alice.encrypt(b"probe", b"", NOW + 5)).map_err(err)?;
            ensure(
                next.pq_mix.is_some(),
                "the message did not complete the ciphertext",
            )
        },
    ));
}

/// Alternates from a fresh pair until Bob's next message completes the ciphertext to
/// Alice's first key (Alice's next message would then mix it); returns that message,
/// not delivered.
fn completing_message(p: &mut RatchetPair) -> pqwire_core::Result<(Header, Vec<u8>)> {
    for _ in 0..400 {
        let (h, ct) = p.alice.encrypt(b"hello Bob", b"", NOW + 1)?;
        p.bob.decrypt(&h, &ct, NOW + 2)?;
        let (h, ct) = p.bob.encrypt(b"hi Alice", b"", NOW + 3)?;
        let mut probe = p.alice.clone();
        probe.decrypt(&h, &ct, NOW + 4)?;
        if probe.encrypt(b"probe", b"", NOW + 5)?.0.pq_mix.is_some() {
            return Ok((h, ct));
        }
        p.alice.decrypt(&h, &ct, NOW + 4)?;
    }
    Err(pqwire_core::Error::InvalidArgument { what: "no step" })
}

/// A copy of a `session-state` record (`magic(2) | version | type | (tag u16 | len u32 |
/// value)*`) with the secret fields marked: root and chain keys, the ratchet X25519 secret,
/// the post-quantum pipelines' secrets (our key's seed or a shared secret, and the shared
/// secret we answered with).
fn secret_record(record: &[u8]) -> Result<Vec<u8>, String> {
    const ROOT_KEY: u16 = 0x000B;
    const SEND_CHAIN_KEY: u16 = 0x000C;
    const RECV_CHAIN_KEY: u16 = 0x000F;
    const RATCHET_SECRET_KEY: u16 = 0x0011;
    const PQ_OWN_SECRET: u16 = 0x001A;
    const PQ_SERVE_SECRET: u16 = 0x0026;
    let mut out = record.to_vec();
    let mut at = 4;
    while at < out.len() {
        let field = out.get(at..at + 6).ok_or("truncated record")?;
        let tag = u16::from_be_bytes([field[0], field[1]]);
        let len = u32::from_be_bytes([field[2], field[3], field[4], field[5]]) as usize;
        let value = at + 6..at + 6 + len;
        let ranges = match tag {
            ROOT_KEY | SEND_CHAIN_KEY | RECV_CHAIN_KEY | RATCHET_SECRET_KEY | PQ_OWN_SECRET
            | PQ_SERVE_SECRET => vec![0..len],
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
            primitives::kem_secret_ranges(KemSuite::MlKem768, 2400),
            vec![0..1152, 2368..2400]
        );
    }
}
