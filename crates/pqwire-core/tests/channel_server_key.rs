//! Channel server keys (docs/channel.md §3): configuration strings, the public key's
//! rules, the secret key file's round trip and refusals, and `Debug` without secrets.
#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

mod channel_support;
mod record_edit;

use std::sync::Arc;

use channel_support::*;
use pqwire_core::channel::*;
use pqwire_core::wire::{self, WireMessage};
use pqwire_core::SigSuite;

// ---------------------------------------------------------------------------------------
// Server keys

#[test]
fn configuration_strings() {
    let s = ChannelSuites::parse("pqwire-channel/v1 x-wing ED25519+ML-DSA-65 chacha20-poly1305")
        .unwrap();
    assert_eq!(s, ChannelSuites::default());
    assert_eq!(s.config(), DEFAULT_CONFIG);
    for bad in [
        "",
        "pqwire-channel/v1",
        "pqwire-channel/v1 X-Wing Ed25519+ML-DSA-65",
        "pqwire-channel/v1  X-Wing Ed25519+ML-DSA-65 ChaCha20-Poly1305",
        "pqwire-channel/v2 X-Wing Ed25519+ML-DSA-65 ChaCha20-Poly1305",
        "pqwire-channel/v1 X-Wing Ed25519+ML-DSA-65 ChaCha20-Poly1305 extra",
    ] {
        assert_eq!(
            ChannelSuites::parse(bad).unwrap_err().code(),
            "INVALID_ARGUMENT",
            "{bad:?}"
        );
    }
    assert_eq!(
        ChannelSuites::parse("pqwire-channel/v1 Kyber9000 Ed25519 AES-256-GCM")
            .unwrap_err()
            .code(),
        "UNKNOWN_SUITE"
    );
    let long = format!("{DEFAULT_CONFIG}{}", " ".repeat(300));
    assert_eq!(
        ChannelSuites::parse(&long).unwrap_err().code(),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        ServerKey::generate(DEFAULT_CONFIG, 10, 10, None)
            .unwrap_err()
            .code(),
        "INVALID_ARGUMENT"
    );
}

#[test]
fn public_key_rules() {
    let key = default_key();
    let public = key.public();
    let decoded = ServerPublicKey::decode(public.encoded()).unwrap();
    assert_eq!(&decoded, public);
    assert_eq!(decoded.encode().unwrap(), public.encoded());
    assert!(public.is_valid_at(NOW) && !public.is_valid_at(NOW + YEAR));

    let code_of = |bytes: &[u8]| ServerPublicKey::decode(bytes).unwrap_err().code();
    let with = |f: &dyn Fn(&mut wire::Message)| {
        let mut m = public.to_message();
        f(&mut m);
        pqwire_core::wire::encode(&m).map_err(|e| e.code.as_str())
    };
    use pqwire_core::wire::Value;
    // A config that is not canonical (an alias), a signature suite that differs, a key
    // of the wrong length, an expiry before creation: the encoder refuses what the
    // decoder would.
    let alias = "pqwire-channel/v1 X-Wing Ed25519+ML-DSA-65 ChaCha20-Poly1305";
    assert_eq!(
        with(&|m| {
            m.set(0x0002, Value::Bytes(alias.as_bytes().to_vec()));
        }),
        Err("INVALID_FIELD")
    );
    assert_eq!(
        with(&|m| {
            m.set(0x0003, Value::Suite(SigSuite::Ed25519MlDsa87.code()));
        }),
        Err("INVALID_FIELD")
    );
    assert_eq!(
        with(&|m| {
            m.set(0x0004, Value::Bytes(vec![1; 32]));
        }),
        Err("BAD_LENGTH")
    );
    assert_eq!(
        with(&|m| {
            m.set(0x0006, Value::Uint(public.created));
        }),
        Err("INVALID_FIELD")
    );
    // A key id that is not the key's.
    let mut forged = public.encoded().to_vec();
    forged[4 + 6] ^= 1;
    assert_eq!(code_of(&forged), "INVALID_KEY");
    // A record is not a public key.
    assert_eq!(code_of(&key.to_record()), "UNKNOWN_TYPE");
}

#[test]
fn secret_key_files_round_trip_and_refuse_every_corruption() {
    let key = default_key();
    let file = key.to_record();
    assert_eq!(&file[..4], b"PW\x02\x16");
    let back = ServerKey::from_record(&file).unwrap();
    assert_eq!(back.public(), key.public());
    assert_eq!(*back.to_record(), *file);
    // A restored key serves a channel.
    let back = Arc::new(back);
    let mut c = client(&key, ChannelConfig::default(), None, 1);
    let mut s = server(vec![back], vec![], ChannelConfig::default(), 2);
    let (co, _) = handshake(&mut c, &mut s, Delivery::Whole);
    assert_eq!(co.events.len(), 1);
    // wire::decode never reads it.
    assert_eq!(
        wire::decode(&file).unwrap_err().code.as_str(),
        "UNKNOWN_TYPE"
    );
    // Every truncation is a typed error.
    for n in (0..file.len()).step_by(97).chain([file.len() - 1]) {
        let e = ServerKey::from_record(&file[..n]).unwrap_err();
        assert!(matches!(e, pqwire_core::Error::Wire(_)), "{n}: {e:?}");
    }
    // Every byte flipped is refused: the framing, the public part, and — through the
    // record's checksum — the secret key too (a flip in an expanded ML-DSA secret key's
    // signing seed K or t0 would still sign validly, so the key-pair probe alone could not
    // tell).
    for i in (2..file.len())
        .step_by(13)
        .chain([file.len() - 40, file.len() - 1])
    {
        let e = ServerKey::from_record(&flip(&file, i)).unwrap_err();
        assert!(
            matches!(
                e.code(),
                "UNSUPPORTED_VERSION"
                    | "UNEXPECTED_TYPE"
                    | "UNKNOWN_TYPE"
                    | "INVALID_KEY"
                    | "INVALID_FIELD"
                    | "BAD_LENGTH"
                    | "TRUNCATED"
                    | "TOO_LARGE"
                    | "UNKNOWN_TAG"
                    | "TRAILING_BYTES"
                    | "TAG_ORDER"
                    | "DUPLICATE_TAG"
                    | "MISSING_FIELD"
            ),
            "{i}: {e:?}"
        );
    }
    // The secret key of another key.
    let other = other_key().to_record();
    let public_len = key.public().encoded().len();
    let mut swapped = file[..4 + 7 + 6 + public_len].to_vec();
    swapped.extend_from_slice(&other[4 + 7 + 6 + other_key().public().encoded().len()..]);
    // Spliced records need a new checksum to reach the key check.
    let swapped = record_edit::resealed(&swapped);
    assert_eq!(
        ServerKey::from_record(&swapped).unwrap_err().code(),
        "INVALID_KEY"
    );
}

#[test]
fn debug_shows_no_secret() {
    let key = default_key();
    let shown = format!("{key:?}");
    assert!(shown.contains("REDACTED"), "{shown}");
    let (c, _) = simplex_pair(ChannelConfig::default());
    let shown = format!("{c:?}");
    assert!(
        shown.contains("REDACTED") && shown.contains("Established"),
        "{shown}"
    );
}
