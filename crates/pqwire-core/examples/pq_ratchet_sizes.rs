//! The sparse post-quantum ratchet's figures (docs/protocol.md §5.6): for chunk sizes
//! `D` of 32, 64 and 96 bytes, the mean ratchet message size and the completed PQ steps
//! over the 200-message alternating 1 KiB conversation of issue 17 (ML-KEM-768), and the
//! serialized ratchet state over it. Prints figures; asserts nothing.
//!
//! `cargo run -p pqwire-core --profile ci --example pq_ratchet_sizes`
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use pqwire_core::random::SeededRandom;
use pqwire_core::ratchet::{RatchetConfig, RatchetInit, RatchetState};
use pqwire_core::wire::{RatchetMessage, WireMessage};
use pqwire_core::{x25519, AeadSuite, KemSuite};

const T0: u64 = 1_700_000_000;

fn main() {
    for kem in [KemSuite::MlKem768, KemSuite::MlKem1024] {
        for d in [32u16, 48, 64, 80, 96] {
            conversation(kem, d);
        }
    }
}

fn conversation(kem: KemSuite, d: u16) {
    let (spk_secret, spk_public) = x25519::keygen(Some(&[3; 32])).unwrap();
    let init = RatchetInit {
        root_key: &[1; 32],
        chain_key: &[2; 32],
        session_id: [9; 32],
        kem,
        aead: AeadSuite::ChaCha20Poly1305,
        config: RatchetConfig {
            pq_chunk_len: d,
            ..RatchetConfig::default()
        },
        now: T0,
    };
    let mut a = RatchetState::init_initiator(init, &spk_public).unwrap();
    let mut b = RatchetState::init_responder(init, spk_secret.expose()).unwrap();
    let (mut ra, mut rb) = (SeededRandom::new([1; 32]), SeededRandom::new([2; 32]));
    let payload = vec![0x5A; 1024];
    let (mut total, mut first) = (0usize, 0usize);
    let (mut state_max, mut state_sum) = (0usize, 0usize);
    for i in 0..200u64 {
        let (s, r, rng) = if i % 2 == 0 {
            (&mut a, &mut b, &mut ra)
        } else {
            (&mut b, &mut a, &mut rb)
        };
        let (h, ct) = s.encrypt_with(&payload, b"", T0 + i, rng).unwrap();
        let len = RatchetMessage::new(h.clone(), ct.clone())
            .encode()
            .unwrap()
            .len();
        if i == 0 {
            first = len;
        }
        total += len;
        r.decrypt(&h, &ct, T0 + i).unwrap();
        for st in [&a, &b] {
            let n = st.serialize().len();
            state_max = state_max.max(n);
            state_sum += n;
        }
    }
    println!(
        "{kem} D={d}: mean message {:.1} B (200 messages; {:.1} B without the first, \
         which travels in the initial message: {first} B), pqSteps {} / {}, \
         ratchet record mean {:.0} B max {state_max} B, at the end {} B / {} B",
        total as f64 / 200.0,
        (total - first) as f64 / 199.0,
        a.pq_steps(),
        b.pq_steps(),
        state_sum as f64 / 400.0,
        a.serialize().len(),
        b.serialize().len(),
    );
}
