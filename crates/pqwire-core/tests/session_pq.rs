//! The sparse post-quantum ratchet through whole sessions (docs/protocol.md §5.6): the
//! initial message's nested ratchet message has no PQ field; a 200-message alternating
//! 1 KiB conversation completes steps, counted by `Session::pq_steps` on both sides,
//! with every message at most one chunk larger; session records mid-pipeline restore.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod handshake_support;

use handshake_support::{accept_session, open_session, session_parties, OneTime, T0};
use pqwire_core::pqxdh::{Validity, DEFAULT_SIGNED_PREKEY_LIFETIME};
use pqwire_core::random::SeededRandom;
use pqwire_core::session::Session;
use pqwire_core::wire::{Capabilities, InitialMessage, RatchetMessage, WireMessage};
use pqwire_core::{KemSuite, SigSuite};

#[test]
fn sessions_complete_pq_steps_and_count_them() {
    let mut rng = SeededRandom::new([0x51; 32]);
    let valid = Validity::starting(T0, DEFAULT_SIGNED_PREKEY_LIFETIME).unwrap();
    let published = (KemSuite::MlKem768, OneTime::KemAndDh);
    let (bob, prekeys, alice) =
        session_parties(SigSuite::Ed25519MlDsa65, published, valid, &mut rng);
    let caps = Capabilities::default().encode().unwrap();
    let bundle = prekeys.bundle(&bob, &caps);
    let (mut a, initial) = open_session(&alice, &caps, &bundle, b"hello Bob", &mut rng);
    let first = InitialMessage::decode(&initial).unwrap().message;
    assert!(first.header.pq_chunk.is_none() && first.header.pq_mix.is_none());
    let mut b = accept_session(&bob, &caps, &mut prekeys.secrets(), &initial)
        .unwrap()
        .session;
    let kib = [0x61u8; 1024];
    let mut total = 0;
    for i in 0..200u64 {
        let now = T0 + 1 + i;
        let (from, to) = if i % 2 == 0 {
            (&mut b, &mut a)
        } else {
            (&mut a, &mut b)
        };
        let m = from.encrypt_with(&kib, b"", now, &mut rng).unwrap();
        let parsed = RatchetMessage::decode(&m).unwrap();
        assert!(m.len() <= 1_210, "message {i}: {} bytes", m.len());
        assert_eq!(
            m.len() > 1_108,
            parsed.header.pq_chunk.is_some() || parsed.header.pq_mix.is_some()
        );
        total += m.len();
        assert_eq!(to.decrypt(&m, now).unwrap().plaintext, kib);
        // Both sides live through their records every 25 messages.
        if i % 25 == 24 {
            *from = Session::deserialize(&from.serialize().unwrap(), None).unwrap();
            *to = Session::deserialize(&to.serialize().unwrap(), None).unwrap();
        }
    }
    assert_eq!(a.pq_steps(), b.pq_steps());
    assert!(a.pq_steps() >= 6, "{}", a.pq_steps());
    println!(
        "sessions, ML-KEM-768, 200 alternating 1 KiB messages: mean {:.1} B, pqSteps {}",
        total as f64 / 200.0,
        a.pq_steps()
    );
}
