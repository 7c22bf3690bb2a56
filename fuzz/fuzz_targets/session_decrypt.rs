//! `Session::decrypt` of arbitrary bytes, by a session mid-conversation (the fixed,
//! seeded conversation of `fixtures.rs`: Alice's session with stored skipped keys, an
//! ended chain, a deleted key, her own and Bob's KEM keys): never panics; decrypts only
//! a genuine message of the conversation (byte for byte, so nothing a forger changed,
//! extensions included), with that message's plaintext, associated data and resulting
//! session, after which the same bytes again are `REPLAYED` and change nothing; refuses
//! everything else with a typed error (a wire error's offset inside the input) and then
//! leaves the session exactly as it was (`==`, and the same `serialize()` bytes). A
//! genuine message that is refused gets the code the fixture expects.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pqwire_core::Error;
use pqwire_fuzz::Conversation;

/// The errors a ratchet message may get (protocol.md §5.5), nothing else.
fn refused(e: &Error, len: usize) {
    match e {
        Error::Wire(w) => assert!(w.offset <= len, "error offset past the input: {w}"),
        Error::BadLength { .. }
        | Error::AuthenticationFailed
        | Error::Replayed
        | Error::TooManySkipped { .. }
        | Error::StaleMessage
        | Error::NonContributory
        | Error::InvalidKey { .. } => {}
        other => panic!("unexpected error: {other:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let c = Conversation::get();
    let at = Conversation::DECRYPT_AT;
    let mut s = c.receiver.clone();
    match s.decrypt(data, at) {
        Ok(got) => {
            let m = c
                .find(data)
                .expect("decrypted a message that is not one of the conversation");
            let expected = m
                .outcome
                .as_ref()
                .unwrap_or_else(|e| panic!("{} decrypted, expected {e}", m.name));
            assert_eq!(got.plaintext, expected.plaintext, "{}", m.name);
            assert_eq!(got.associated_data, expected.associated_data, "{}", m.name);
            assert!(s == expected.session, "{}: another session after", m.name);
            assert_eq!(s.epoch(), c.receiver.epoch() + 1, "{}", m.name);
            // Once is all.
            let after = s.clone();
            let record = s.serialize().expect("serialize");
            let e = s.decrypt(data, at).expect_err("decrypted twice");
            assert_eq!(e.code(), "REPLAYED", "{}: {e}", m.name);
            assert!(s == after, "{}: a replay changed the session", m.name);
            assert_eq!(*s.serialize().expect("serialize"), *record);
        }
        Err(e) => {
            refused(&e, data.len());
            assert!(
                s == c.receiver,
                "a refused message changed the session: {e}"
            );
            assert_eq!(
                *s.serialize().expect("serialize"),
                *c.receiver_record,
                "a refused message changed the serialized session: {e}"
            );
            if let Some(m) = c.find(data) {
                match &m.outcome {
                    Err(expected) => assert_eq!(e, *expected, "{}", m.name),
                    Ok(_) => panic!("{} refused ({e}), expected to decrypt", m.name),
                }
            }
        }
    }
});
