//! Both parties of a ratchet session for the ratchet tests, with deterministic
//! randomness. Shared by `ratchet*.rs` (`mod ratchet_support;`).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use pqwire_core::random::SeededRandom;
use pqwire_core::ratchet::{Header, KemCadence, RatchetConfig, RatchetInit, RatchetState};
use pqwire_core::{x25519, AeadSuite, KemSuite};

/// The test clock's start: the handshake's time.
pub const T0: u64 = 1_700_000_000;
/// The ML-KEM suites.
pub const ML_KEMS: [KemSuite; 3] = [KemSuite::MlKem512, KemSuite::MlKem768, KemSuite::MlKem1024];

/// A message: its header and ciphertext.
pub type Msg = (Header, Vec<u8>);

/// Both parties of one session, with deterministic randomness.
pub struct Pair {
    pub alice: RatchetState,
    pub bob: RatchetState,
    pub ra: SeededRandom,
    pub rb: SeededRandom,
}

/// The default configuration with `cadence`.
pub fn config(cadence: KemCadence) -> RatchetConfig {
    RatchetConfig {
        cadence,
        ..RatchetConfig::default()
    }
}

impl Pair {
    /// A fresh session: Bob's first ratchet key from `spk_seed`, fixed root and chain keys.
    pub fn new(
        kem: KemSuite,
        aead: AeadSuite,
        config: RatchetConfig,
        spk_seed: u8,
        session_id: [u8; 32],
    ) -> Pair {
        let (spk_secret, spk_public) = x25519::keygen(Some(&[spk_seed; 32])).unwrap();
        let init = RatchetInit {
            root_key: &[0x11; 32],
            chain_key: &[0x22; 32],
            session_id,
            kem,
            aead,
            config,
            now: T0,
        };
        Pair {
            alice: RatchetState::init_initiator(init, &spk_public).unwrap(),
            bob: RatchetState::init_responder(init, spk_secret.expose()).unwrap(),
            ra: SeededRandom::new([0xA1; 32]),
            rb: SeededRandom::new([0xB0; 32]),
        }
    }

    /// Alice sends `text`.
    pub fn a(&mut self, text: &str, now: u64) -> Msg {
        self.a_with(text.as_bytes(), b"", now)
    }

    /// Bob sends `text`.
    pub fn b(&mut self, text: &str, now: u64) -> Msg {
        self.b_with(text.as_bytes(), b"", now)
    }

    /// Alice sends `text` with the associated data `ad`.
    pub fn a_with(&mut self, text: &[u8], ad: &[u8], now: u64) -> Msg {
        self.alice
            .encrypt_with(text, ad, now, &mut self.ra)
            .unwrap()
    }

    /// Bob sends `text` with the associated data `ad`.
    pub fn b_with(&mut self, text: &[u8], ad: &[u8], now: u64) -> Msg {
        self.bob.encrypt_with(text, ad, now, &mut self.rb).unwrap()
    }

    /// Alice sends `n` messages `<name>0`, `<name>1`, … at `now`.
    pub fn a_chain(&mut self, name: &str, n: usize, now: u64) -> Vec<Msg> {
        (0..n).map(|i| self.a(&format!("{name}{i}"), now)).collect()
    }

    /// Bob sends `n` messages `<name>0`, `<name>1`, … at `now`.
    pub fn b_chain(&mut self, name: &str, n: usize, now: u64) -> Vec<Msg> {
        (0..n).map(|i| self.b(&format!("{name}{i}"), now)).collect()
    }

    /// Alice sends `text` at `now` and Bob reads it then: the message's header.
    pub fn a_to_b(&mut self, text: &str, now: u64) -> Header {
        let m = self.a(text, now);
        read(&mut self.bob, &m, now, text);
        m.0
    }

    /// Bob sends `text` at `now` and Alice reads it then: the message's header.
    pub fn b_to_a(&mut self, text: &str, now: u64) -> Header {
        let m = self.b(text, now);
        read(&mut self.alice, &m, now, text);
        m.0
    }

    /// `n` messages from Alice (`from_alice`) or Bob at `now`.
    pub fn send(&mut self, from_alice: bool, n: usize, now: u64) -> Vec<Msg> {
        (0..n)
            .map(|i| {
                let text = format!("{} {now} {i}", if from_alice { "a" } else { "b" });
                let (s, r) = if from_alice {
                    (&mut self.alice, &mut self.ra)
                } else {
                    (&mut self.bob, &mut self.rb)
                };
                s.encrypt_with(text.as_bytes(), b"meta", now, r).unwrap()
            })
            .collect()
    }

    /// Alice's state (`alice`) or Bob's.
    pub fn receiver(&mut self, alice: bool) -> &mut RatchetState {
        if alice {
            &mut self.alice
        } else {
            &mut self.bob
        }
    }
}

/// A session of `kem` and `aead` under `session_id`.
pub fn pair_with(
    kem: KemSuite,
    aead: AeadSuite,
    config: RatchetConfig,
    session_id: [u8; 32],
) -> Pair {
    Pair::new(kem, aead, config, 0x5B, session_id)
}

/// A session of `kem` and `aead`.
pub fn pair(kem: KemSuite, aead: AeadSuite, config: RatchetConfig) -> Pair {
    pair_with(kem, aead, config, [0x5E; 32])
}

/// A session of `kem` and `aead` with the default configuration.
pub fn default_pair(kem: KemSuite, aead: AeadSuite) -> Pair {
    pair(kem, aead, RatchetConfig::default())
}

/// A session of `kem` and `aead` whose scheduled KEM steps follow `cadence`.
pub fn cadence_pair(kem: KemSuite, aead: AeadSuite, cadence: KemCadence) -> Pair {
    pair(kem, aead, config(cadence))
}

/// A cadence with no scheduled KEM step within a test: steps happen when forced.
pub const SELDOM: KemCadence = KemCadence::EveryMessages(1000);

/// Decrypts `m`.
pub fn open(to: &mut RatchetState, m: &Msg, now: u64) -> pqwire_core::Result<Vec<u8>> {
    to.decrypt(&m.0, &m.1, now)
}

/// `m` opens to `expected`.
pub fn read(to: &mut RatchetState, m: &Msg, now: u64, expected: &str) {
    assert_eq!(open(to, m, now).unwrap(), expected.as_bytes());
}

/// Decrypting `m` fails with one of `codes` and leaves the state exactly as it was.
pub fn refused(
    to: &mut RatchetState,
    h: &Header,
    ct: &[u8],
    now: u64,
    codes: &[&str],
) -> &'static str {
    let before = to.clone();
    let err = to.decrypt(h, ct, now).expect_err("a refused message");
    assert!(
        codes.contains(&err.code()),
        "got {} ({err}), wanted one of {codes:?}",
        err.code()
    );
    assert!(
        *to == before,
        "state changed by a refused message ({})",
        err.code()
    );
    assert_eq!(to.epoch(), before.epoch());
    err.code()
}
