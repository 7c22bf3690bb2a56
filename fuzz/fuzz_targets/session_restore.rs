//! `Session::deserialize` of arbitrary bytes (a `session-state` record with the session
//! layer's fields, protocol.md §6; the `records` target reads only the ratchet's part):
//! never panics; a refusal is a typed error (a record error's offset inside the input);
//! an accepted record is canonical (`serialize()` gives exactly the input), its ratchet
//! is what `RatchetState::deserialize_with` reads from it (with session fields only in
//! `0x0100`–`0x01FF`), the rollback check takes its epoch as the minimum and refuses the
//! next one (`SESSION_ROLLBACK`); and the restored session is usable: `encrypt_with`
//! either gives a ratchet message that decodes, or refuses with a typed error and
//! changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pqwire_core::random::SeededRandom;
use pqwire_core::ratchet::RatchetState;
use pqwire_core::session::Session;
use pqwire_core::wire::{RatchetMessage, WireMessage};
use pqwire_core::Error;
use pqwire_fuzz::T0;

/// The errors restoring a record may give: a record rule, a key check of the ratchet or
/// the peer's identity, an unknown suite code.
fn refused(e: &Error, len: usize) {
    match e {
        Error::Wire(w) => assert!(w.offset <= len, "error offset past the input: {w}"),
        Error::InvalidKey { .. }
        | Error::AuthenticationFailed
        | Error::BadLength { .. }
        | Error::UnknownSuite { .. }
        | Error::NonContributory
        | Error::InvalidArgument { .. } => {}
        other => panic!("unexpected error: {other:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let s = match Session::deserialize(data, None) {
        Ok(s) => s,
        Err(e) => {
            refused(&e, data.len());
            return;
        }
    };
    assert_eq!(
        *s.serialize().expect("a restored session serializes"),
        *data,
        "session record is not canonical"
    );

    let (ratchet, fields) =
        RatchetState::deserialize_with(data).expect("the ratchet part of a session restores");
    assert!(ratchet == *s.ratchet(), "the ratchet read differently");
    assert!(fields.iter().all(|(t, _)| (0x0100..=0x01FF).contains(t)));
    assert_eq!(
        (s.facts().kem, s.facts().aead),
        (ratchet.kem_suite(), ratchet.aead_suite())
    );

    let epoch = s.epoch();
    let same = Session::deserialize(data, Some(epoch)).expect("its own epoch is no rollback");
    assert!(same == s);
    if let Some(next) = epoch.checked_add(1) {
        match Session::deserialize(data, Some(next)) {
            Err(Error::SessionRollback { epoch: e, minimum }) => {
                assert_eq!((e, minimum), (epoch, next));
            }
            other => panic!("epoch {epoch} under minimum {next}: {other:?}"),
        }
    }

    let mut c = s.clone();
    let mut rng = SeededRandom::new([0x7E; 32]);
    match c.encrypt_with(b"after restore", b"", T0 + 1_000, &mut rng) {
        Ok(m) => {
            RatchetMessage::decode(&m).expect("a restored session's message decodes");
        }
        Err(e) => {
            assert!(c == s, "a refused encrypt changed the session: {e}");
        }
    }
});
