//! Ratchet states at rest for the record tests: the session-state record's tags, a
//! seeded pair, states that hold every field (`full_state`, `mixing_state`) and the code
//! of a refused record. Shared by `ratchet_persist.rs` and `ratchet_record.rs`
//! (`mod ratchet_support; mod record_edit; mod ratchet_record_support;`).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::ratchet_support::{Msg, Pair, T0};
use crate::record_edit::fields;
use pqwire_core::ratchet::{RatchetConfig, RatchetState};
use pqwire_core::{AeadSuite, Error, KemSuite};

// Tags of the session-state record (protocol.md §6), for the tests that edit fields.
pub const FORMAT_VERSION: u16 = 0x0001;
pub const EPOCH: u16 = 0x0002;
pub const KEM_SUITE: u16 = 0x0003;
pub const CADENCE_MESSAGES: u16 = 0x0006;
pub const MAX_SKIPPED_KEYS: u16 = 0x0009;
pub const ROOT_KEY: u16 = 0x000B;
pub const SEND_CHAIN_KEY: u16 = 0x000C;
pub const RECV_CHAIN_KEY: u16 = 0x000F;
pub const RATCHET_SECRET_KEY: u16 = 0x0011;
pub const RATCHET_PUBLIC_KEY: u16 = 0x0012;
pub const PEER_RATCHET_KEY: u16 = 0x0013;
pub const PQ_CHUNK_LEN: u16 = 0x0014;
pub const PQ_STEPS: u16 = 0x0015;
pub const SEND_PQ_MIX: u16 = 0x0017;
pub const PQ_OWN_PHASE: u16 = 0x0019;
pub const PQ_OWN_SECRET: u16 = 0x001A;
pub const PQ_OWN_STREAM: u16 = 0x001B;
pub const PQ_OWN_SHARDS: u16 = 0x0023;
pub const PQ_SERVE_SEQ: u16 = 0x0024;
pub const PQ_SERVE_PHASE: u16 = 0x0025;
pub const PQ_SERVE_SECRET: u16 = 0x0026;
pub const PQ_SERVE_STREAM: u16 = 0x0027;
pub const SEND_STEP_DUE: u16 = 0x001C;
pub const KEM_STEP_FORCED: u16 = 0x001F;
pub const SKIPPED_KEYS: u16 = 0x0020;
pub const DELETED_KEYS: u16 = 0x0021;
pub const PAST_CHAINS: u16 = 0x0022;

/// Both parties with randomness and keys from `seed`.
pub fn seeded_pair(kem: KemSuite, config: RatchetConfig, seed: u8) -> Pair {
    Pair::new(kem, AeadSuite::ChaCha20Poly1305, config, seed, [seed; 32])
}

/// The plaintext of `m`, which must decrypt.
pub fn plaintext(to: &mut RatchetState, m: &Msg, now: u64) -> Vec<u8> {
    to.decrypt(&m.0, &m.1, now).unwrap()
}

/// A state with every field a pipeline keeps in the middle of its work: our key in
/// flight with ciphertext shards received, the peer's key answered, a forced step
/// pending, stored and deleted skipped keys, past chains. ([`mixing_state`] has a chain
/// that mixed a step.)
pub fn full_state() -> RatchetState {
    let config = RatchetConfig {
        max_skipped_keys: 4,
        ..RatchetConfig::default()
    };
    let mut p = seeded_pair(KemSuite::MlKem512, config, 9);
    let mut now = T0;
    for turn in 0..5u64 {
        now += 10;
        let msgs = p.send(turn % 2 == 0, 4, now);
        // Only the last arrives: 3 skipped each time, beyond the bound of 4.
        plaintext(p.receiver(turn % 2 == 1), &msgs[3], now);
    }
    let wanted = [
        PQ_OWN_SECRET,
        PQ_OWN_SHARDS,
        PQ_SERVE_SECRET,
        PQ_SERVE_STREAM,
        SKIPPED_KEYS,
        DELETED_KEYS,
        PAST_CHAINS,
    ];
    for i in 0..400u64 {
        now += 1;
        let from_alice = i % 2 == 1;
        let m = p.send(from_alice, 1, now).remove(0);
        plaintext(p.receiver(!from_alice), &m, now);
        let names: Vec<u16> = fields(&p.bob.serialize()).iter().map(|f| f.1).collect();
        if wanted.iter().all(|t| names.contains(t)) {
            p.bob.force_kem_step();
            assert!(p.bob.kem_step_forced());
            return p.bob.clone();
        }
    }
    panic!("no state with every pipeline field");
}

/// Bob right after the first message of a chain that mixed a step (`sendPqMix`).
pub fn mixing_state() -> RatchetState {
    let mut p = seeded_pair(KemSuite::MlKem512, RatchetConfig::default(), 4);
    for i in 0..400u64 {
        let from_alice = i % 2 == 0;
        let m = p.send(from_alice, 1, T0 + i).remove(0);
        plaintext(p.receiver(!from_alice), &m, T0 + i);
        if m.0.pq_mix.is_some() && !from_alice {
            assert!(fields(&p.bob.serialize())
                .iter()
                .any(|f| f.1 == SEND_PQ_MIX));
            return p.bob.clone();
        }
    }
    panic!("no step in 400 messages");
}

/// The code and tag of a refused record.
pub fn refused_record(b: &[u8]) -> (String, Option<u16>) {
    match RatchetState::deserialize(b) {
        Err(Error::Wire(e)) => (e.code.as_str().to_string(), e.tag),
        Err(e) => panic!("not a record error: {e:?}"),
        Ok(_) => panic!("accepted"),
    }
}

/// Lower-case hex.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
