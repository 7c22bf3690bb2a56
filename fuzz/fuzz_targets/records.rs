//! Records at rest (docs/protocol.md §6): `RatchetState::deserialize` and
//! `deserialize_with`, `Identity::from_record` and `PrekeySecret::from_record` never
//! panic, whatever the input; a record error's offset is inside the input; an accepted
//! record is canonical (serializing what was restored gives exactly the input); and
//! `wire::decode` never accepts a record type, so it never shows a record's secrets.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pqwire_core::pqxdh::{Identity, PrekeySecret};
use pqwire_core::ratchet::RatchetState;
use pqwire_core::record::RECORD_TYPES;
use pqwire_core::wire::{self, WireErrorCode};
use pqwire_core::Error;

/// A refused record: a record error inside the input, or (after the record rules) a key
/// check of the handshake.
fn refused(e: &Error, len: usize) {
    match e {
        Error::Wire(w) => assert!(w.offset <= len, "error offset past the input: {w}"),
        Error::InvalidKey { .. } | Error::AuthenticationFailed | Error::BadLength { .. } => {}
        Error::RandomnessUnavailable => {}
        other => panic!("unexpected error: {other:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() >= 4 && data[..2] == *b"PW" && RECORD_TYPES.contains(&data[3]) {
        let e = wire::decode(data).expect_err("wire::decode accepted a record");
        assert!(
            matches!(
                e.code,
                WireErrorCode::UnknownType
                    | WireErrorCode::UnsupportedVersion
                    | WireErrorCode::TooLarge
            ),
            "wire::decode read into a record: {e}"
        );
    }
    match RatchetState::deserialize(data) {
        Ok(s) => assert_eq!(*s.serialize(), *data, "session record is not canonical"),
        Err(e) => refused(&e, data.len()),
    }
    match RatchetState::deserialize_with(data) {
        Ok((s, fields)) => {
            let fields: Vec<(u16, &[u8])> = fields.iter().map(|(t, v)| (*t, &v[..])).collect();
            let again = s.serialize_with(&fields).expect("session fields re-encode");
            assert_eq!(*again, *data, "session record with fields is not canonical");
        }
        Err(e) => refused(&e, data.len()),
    }
    match Identity::from_record(data) {
        Ok(id) => assert_eq!(*id.to_record(), *data, "identity record is not canonical"),
        Err(e) => refused(&e, data.len()),
    }
    match PrekeySecret::from_record(data) {
        Ok(p) => {
            let again = p.to_record().expect("a restored prekey re-encodes");
            assert_eq!(*again, *data, "prekey record is not canonical");
        }
        Err(e) => refused(&e, data.len()),
    }
});
