//! Ratchet throughput, ML-KEM-768 and ChaCha20-Poly1305, 1 KiB messages: encrypt and
//! decrypt alternating (every message a change of speaker) and one direction, the size
//! of the serialized states at the end, and the time to restore one (the ratchet's part
//! of a session record). Prints figures; asserts nothing.
//!
//! `cargo run -p pqwire-core --profile ci --example ratchet_speed`
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::time::Instant;

use pqwire_core::ratchet::{RatchetConfig, RatchetInit, RatchetState};
use pqwire_core::{x25519, AeadSuite, KemSuite};

const T0: u64 = 1_700_000_000;

fn pair() -> (RatchetState, RatchetState) {
    let (spk_secret, spk_public) = x25519::keygen(Some(&[3; 32])).unwrap();
    let init = RatchetInit {
        root_key: &[1; 32],
        chain_key: &[2; 32],
        session_id: [9; 32],
        kem: KemSuite::MlKem768,
        aead: AeadSuite::ChaCha20Poly1305,
        config: RatchetConfig::default(),
        now: T0,
    };
    (
        RatchetState::init_initiator(init, &spk_public).unwrap(),
        RatchetState::init_responder(init, spk_secret.expose()).unwrap(),
    )
}

/// Microseconds to restore the record of a state 101 messages into an alternating
/// conversation (best of 5 runs of 2,000 restores).
fn restore() -> f64 {
    let (mut a, mut b) = pair();
    for i in 0..101u64 {
        let (s, r) = if i % 2 == 0 {
            (&mut a, &mut b)
        } else {
            (&mut b, &mut a)
        };
        let (h, ct) = s.encrypt(&[0x5A; 1024], b"", T0 + i).unwrap();
        r.decrypt(&h, &ct, T0 + i).unwrap();
    }
    let record = a.serialize();
    let mut best = f64::MAX;
    for _ in 0..5 {
        let start = Instant::now();
        for _ in 0..2_000 {
            std::hint::black_box(RatchetState::deserialize(&record).unwrap());
        }
        best = best.min(start.elapsed().as_secs_f64() * 1e6 / 2_000.0);
    }
    best
}

/// Messages per second (encrypt + decrypt) over `n` messages.
fn run(n: u64, alternate: bool) -> (f64, usize, usize) {
    let (mut a, mut b) = pair();
    let payload = vec![0x5A; 1024];
    let start = Instant::now();
    for i in 0..n {
        let from_a = !alternate || i % 2 == 0;
        let (s, r) = if from_a {
            (&mut a, &mut b)
        } else {
            (&mut b, &mut a)
        };
        let (h, ct) = s.encrypt(&payload, b"", T0 + i).unwrap();
        r.decrypt(&h, &ct, T0 + i).unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    (n as f64 / secs, a.serialize().len(), b.serialize().len())
}

fn main() {
    run(200, true); // warm-up
    for (name, alternate) in [("alternating", true), ("one direction", false)] {
        let mut best = 0f64;
        let mut sizes = (0, 0);
        for _ in 0..5 {
            let (rate, a, b) = run(2_000, alternate);
            if rate > best {
                best = rate;
                sizes = (a, b);
            }
        }
        println!(
            "{name}: {best:.0} messages/s (encrypt + decrypt, best of 5 runs of 2,000); \
             state records at the end: {} B and {} B",
            sizes.0, sizes.1
        );
    }
    println!("restore: {:.2} µs per ratchet record", restore());
}
