//! `Session::accept` of arbitrary bytes as an initial message, by a fixed responder
//! (`fixtures.rs`: an identity, the default capabilities, policy `pq-preferred`, and in
//! an in-memory `PrekeySecrets` a signed prekey, a last-resort ML-KEM prekey, one-time
//! ML-KEM and X25519 prekeys), each input with a fresh copy of the store: never panics;
//! a refusal is a typed error (a wire error's offset inside the input) and consumes
//! nothing (the store's counts, `is_consumed` of every one-time id and the uses of the
//! rotated keys and the replay cache unchanged); only a genuine initial message
//! succeeds — one made by an initiator from the responder's bundle, byte for byte
//! (extension fields are refused: nothing authenticates them) — and it gives that
//! message's plaintext, associated data, prekeys and session, consumes exactly its
//! one-time prekeys and counts one use of its rotated ones; accepting it again is then
//! refused without changing the store: `PREKEY_REUSED` if it used a one-time prekey,
//! else `REPLAYED` (the replay cache).
#![no_main]

use libfuzzer_sys::fuzz_target;
use pqwire_core::wire::{InitialMessage, WireMessage};
use pqwire_core::Error;
use pqwire_fuzz::Responder;

/// The errors an initial message may get (protocol.md §4.3), nothing else. On a fresh
/// store nothing is consumed yet, so `PREKEY_REUSED` is not among them.
fn refused(e: &Error, len: usize) {
    match e {
        Error::Wire(w) => assert!(w.offset <= len, "error offset past the input: {w}"),
        Error::Downgrade { .. }
        | Error::UnknownSuite { .. }
        | Error::BadLength { .. }
        | Error::InvalidKey { .. }
        | Error::NonContributory
        | Error::AuthenticationFailed
        | Error::KeyExpired { .. }
        | Error::UnknownKey { .. }
        | Error::TooManySkipped { .. } => {}
        other => panic!("unexpected error: {other:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let r = Responder::get();
    let mut prekeys = r.prekeys.clone();
    let before = r.counts(&prekeys);
    let got = match r.accept(&mut prekeys, data) {
        Ok(got) => got,
        Err(e) => {
            refused(&e, data.len());
            assert_eq!(
                r.counts(&prekeys),
                before,
                "a refusal changed the store: {e}"
            );
            return;
        }
    };

    let message = InitialMessage::decode(data).expect("an accepted message decodes");
    assert!(message.extensions.is_empty(), "accepted an extension");
    let g = r
        .initial_messages
        .iter()
        .find(|g| g.message == message)
        .expect("accepted an initial message that no initiator made");
    assert_eq!(got.plaintext, g.plaintext, "{}", g.name);
    assert_eq!(got.associated_data, g.associated_data, "{}", g.name);
    assert_eq!(got.used_prekeys, g.used_prekeys, "{}", g.name);
    assert!(got.session == g.session, "{}: another session", g.name);

    // Exactly its one-time prekeys consumed, one use of its rotated ones counted.
    let one_time = g.used_prekeys.one_time();
    let rotated = g.used_prekeys.rotated();
    let after = r.counts(&prekeys);
    assert_eq!(after.held, before.held - one_time.len(), "{}", g.name);
    for (i, id) in r.one_time.iter().enumerate() {
        assert_eq!(after.consumed[i], one_time.contains(id), "{}", g.name);
    }
    for (i, id) in r.rotated.iter().enumerate() {
        let counted = u64::from(rotated.contains(id));
        assert_eq!(after.uses[i], before.uses[i] + counted, "{}", g.name);
    }

    // A replay: refused, whatever prekeys the handshake used.
    match r.accept(&mut prekeys, data) {
        Ok(_) => panic!("{}: a replayed initial message was accepted", g.name),
        Err(e) => {
            let expected = if one_time.is_empty() {
                "REPLAYED"
            } else {
                "PREKEY_REUSED"
            };
            assert_eq!(e.code(), expected, "{}: {e}", g.name);
            assert_eq!(
                r.counts(&prekeys),
                after,
                "{}: the replay changed the store",
                g.name
            );
        }
    }
});
