//! Identities and prekey secrets at rest (docs/protocol.md §6): round trips for every
//! identity suite and prekey kind, a handshake run from restored secrets, corrupted and
//! mismatched records (typed errors; a secret key of another key is `INVALID_KEY`), no
//! secret in `Debug` or errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod handshake_support;
mod record_edit;

use handshake_support::{OneTime, Prekeys};
use pqwire_core::pqxdh::{
    initiate, last_resort_kem_prekey, one_time_kem_prekeys, one_time_prekeys, respond,
    signed_prekey, FirstMessage, HandshakeOptions, Identity, PrekeySecret, PrekeySecrets, Validity,
};
use pqwire_core::random::SeededRandom;
use pqwire_core::record::{TYPE_IDENTITY_SECRET, TYPE_PREKEY_SECRET};
use pqwire_core::wire::{self, Capabilities, WireErrorCode, WireMessage};
use pqwire_core::{Error, KemSuite, SigSuite};
use record_edit::{fields, value, with_field};

const NOW: u64 = 1_700_000_000;

/// Tags of the identity-secret record.
mod identity_tags {
    pub const SIG_KEY: u16 = 0x0002;
    pub const DH_KEY: u16 = 0x0003;
    pub const SIG_SECRET_KEY: u16 = 0x0005;
    pub const DH_SECRET_KEY: u16 = 0x0006;
}

/// Tags of the prekey-secret record.
mod prekey_tags {
    pub const KIND: u16 = 0x0002;
    pub const KEY_PACKAGE: u16 = 0x0003;
    pub const SECRET_KEY: u16 = 0x0004;
}

use identity_tags::*;
use prekey_tags::*;

fn validity() -> Validity {
    Validity::new(NOW - 10, NOW + 1_000_000).unwrap()
}

fn identity(suite: SigSuite, seed: u8) -> Identity {
    Identity::from_seed(suite, validity(), [seed; 32]).unwrap()
}

fn wire_code(e: &Error) -> (&'static str, Option<u16>) {
    match e {
        Error::Wire(w) => (w.code.as_str(), w.tag),
        other => (other.code(), None),
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn identities_round_trip_under_both_suites() {
    for suite in [SigSuite::Ed25519MlDsa65, SigSuite::Ed25519MlDsa87] {
        let id = identity(suite, 1);
        let b = id.to_record();
        assert_eq!(b[..4], record_edit::head(TYPE_IDENTITY_SECRET));
        let back = Identity::from_record(&b).unwrap();
        assert_eq!(back.public(), id.public());
        assert_eq!(back.suite(), suite);
        let (s1, d1) = id.export_secret_keys();
        let (s2, d2) = back.export_secret_keys();
        assert!(s1 == s2 && d1 == d2);
        assert_eq!(*back.to_record(), *b, "identity record is not canonical");
    }
}

#[test]
fn prekey_secrets_round_trip_for_every_kind_and_suite() {
    let mut rng = SeededRandom::new([3; 32]);
    let _ = identity(SigSuite::Ed25519MlDsa65, 2);
    let mut all = vec![signed_prekey(validity(), &mut rng).unwrap()];
    all.extend(one_time_prekeys(1, validity(), &mut rng).unwrap());
    for kem in [KemSuite::MlKem512, KemSuite::MlKem768, KemSuite::MlKem1024] {
        all.push(last_resort_kem_prekey(kem, validity(), &mut rng).unwrap());
        all.extend(one_time_kem_prekeys(kem, 1, validity(), &mut rng).unwrap());
    }
    for p in &all {
        let b = p.secret.to_record().unwrap();
        assert_eq!(b[..4], record_edit::head(TYPE_PREKEY_SECRET));
        let back = PrekeySecret::from_record(&b).unwrap();
        assert_eq!(back, p.secret);
        assert_eq!(back.kind(), p.secret.kind());
        assert_eq!(*back.to_record().unwrap(), *b);
    }
}

/// Bob restarts between publishing his bundle and receiving Alice's initial message:
/// his identity and prekey secrets come back from their records.
#[test]
fn a_handshake_runs_on_restored_secrets() {
    let caps = Capabilities::default().encode().unwrap();
    let mut rng = SeededRandom::new([4; 32]);
    let bob = identity(SigSuite::Ed25519MlDsa87, 5);
    let prekeys = Prekeys::generate(&bob, KemSuite::MlKem768, OneTime::Dh, validity(), &mut rng);
    let bundle = prekeys.bundle(&bob, &caps);
    let stored_identity = bob.to_record();
    let stored: Vec<_> = prekeys
        .all()
        .iter()
        .map(|p| p.secret.to_record().unwrap())
        .collect();
    drop((bob, prekeys));

    let alice = identity(SigSuite::Ed25519MlDsa65, 6);
    let options = HandshakeOptions::default();
    let first = FirstMessage {
        plaintext: b"hi Bob",
        associated_data: b"",
    };
    let sent = initiate(&alice, &caps, &bundle, first, &options, NOW, &mut rng).unwrap();

    let bob = Identity::from_record(&stored_identity).unwrap();
    let mut secrets = PrekeySecrets::new();
    for b in &stored {
        secrets.insert(PrekeySecret::from_record(b).unwrap());
    }
    let got = respond(&bob, &caps, &mut secrets, &sent.encoded, &options, NOW + 1).unwrap();
    assert_eq!(got.plaintext, b"hi Bob");
    assert_eq!(got.info.session_id, sent.info.session_id);
}

#[test]
fn a_secret_key_of_another_key_is_invalid_key() {
    let id = identity(SigSuite::Ed25519MlDsa65, 7);
    let other = identity(SigSuite::Ed25519MlDsa65, 8);
    let b = id.to_record();
    let o = other.to_record();
    for tag in [SIG_SECRET_KEY, DH_SECRET_KEY] {
        let e = Identity::from_record(&with_field(&b, tag, &value(&o, tag))).unwrap_err();
        assert_eq!(e.code(), "INVALID_KEY", "tag 0x{tag:04X}");
    }
    // A DH key package of another identity: the DH secret key no longer belongs to it.
    let e = Identity::from_record(&with_field(&b, DH_KEY, &value(&o, DH_KEY))).unwrap_err();
    assert_eq!(e.code(), "INVALID_KEY");

    let mut rng = SeededRandom::new([9; 32]);
    for kem in [KemSuite::X25519, KemSuite::MlKem768] {
        let make = |rng: &mut SeededRandom| {
            if kem == KemSuite::X25519 {
                signed_prekey(validity(), rng).unwrap()
            } else {
                last_resort_kem_prekey(kem, validity(), rng).unwrap()
            }
        };
        let (a, c) = (make(&mut rng), make(&mut rng));
        let b = a.secret.to_record().unwrap();
        let swapped = with_field(
            &b,
            SECRET_KEY,
            &value(&c.secret.to_record().unwrap(), SECRET_KEY),
        );
        let e = PrekeySecret::from_record(&swapped).unwrap_err();
        assert_eq!(e.code(), "INVALID_KEY", "{kem}");
    }
}

/// An `Ed25519+ML-DSA-65` identity made from `seed` and its last-resort `kem` prekey, as
/// records, and the identity; the prekey drawn from the random source seeded `seed + 1`,
/// returned for more.
fn records(seed: u8, kem: KemSuite) -> (Identity, [Vec<u8>; 2], SeededRandom) {
    let id = identity(SigSuite::Ed25519MlDsa65, seed);
    let mut rng = SeededRandom::new([seed + 1; 32]);
    let pq = last_resort_kem_prekey(kem, validity(), &mut rng).unwrap();
    let stored = [
        id.to_record().to_vec(),
        pq.secret.to_record().unwrap().to_vec(),
    ];
    (id, stored, rng)
}

#[test]
fn corrupted_records_give_typed_errors() {
    let (_id, [b, p], mut rng) = records(10, KemSuite::MlKem512);
    let spk = signed_prekey(validity(), &mut rng).unwrap();
    let x = spk.secret.to_record().unwrap();

    // Records are not wire messages, and one record type is not another.
    assert_eq!(
        wire::decode(&b).unwrap_err().code,
        WireErrorCode::UnknownType
    );
    assert_eq!(
        wire::decode(&p).unwrap_err().code,
        WireErrorCode::UnknownType
    );
    assert_eq!(
        wire_code(&PrekeySecret::from_record(&b).unwrap_err()).0,
        "UNEXPECTED_TYPE"
    );
    assert_eq!(
        wire_code(&Identity::from_record(&p).unwrap_err()).0,
        "UNEXPECTED_TYPE"
    );

    // Kinds: unknown, or one the key's suite does not fit.
    assert_eq!(
        wire_code(&PrekeySecret::from_record(&with_field(&p, KIND, &[9])).unwrap_err()),
        ("INVALID_FIELD", Some(KIND))
    );
    assert_eq!(
        wire_code(&PrekeySecret::from_record(&with_field(&x, KIND, &[2])).unwrap_err()),
        ("INVALID_FIELD", Some(KEY_PACKAGE))
    );
    assert_eq!(
        wire_code(&PrekeySecret::from_record(&with_field(&p, SECRET_KEY, &[1; 32])).unwrap_err()),
        ("BAD_LENGTH", Some(SECRET_KEY))
    );
    // A broken nested key package reports its rule at the outer field, the offset
    // counted from the start of the record.
    let mut pkg = value(&p, KEY_PACKAGE);
    pkg[0] = b'X';
    let e = PrekeySecret::from_record(&with_field(&p, KEY_PACKAGE, &pkg)).unwrap_err();
    let Error::Wire(w) = e else { panic!("{e:?}") };
    assert_eq!(
        (w.code, w.tag),
        (WireErrorCode::BadMagic, Some(KEY_PACKAGE))
    );
    let pkg_field = fields(&p).into_iter().find(|f| f.1 == KEY_PACKAGE).unwrap();
    assert_eq!(w.offset, pkg_field.2);
    // A key id that is not derived from the key.
    let mut pkg = value(&p, KEY_PACKAGE);
    pkg[10] ^= 1; // inside the keyId field
    let e = PrekeySecret::from_record(&with_field(&p, KEY_PACKAGE, &pkg)).unwrap_err();
    assert_eq!(e.code(), "INVALID_KEY");
    // The identity DH key must be an X25519 key.
    let e = Identity::from_record(&with_field(&b, DH_KEY, &value(&p, KEY_PACKAGE))).unwrap_err();
    assert_eq!(wire_code(&e), ("INVALID_FIELD", Some(DH_KEY)));
    let e = Identity::from_record(&with_field(&b, SIG_KEY, &value(&p, KEY_PACKAGE))).unwrap_err();
    assert_eq!(wire_code(&e), ("INVALID_FIELD", Some(SIG_KEY)));

    // Every truncation and every byte flipped: typed errors or another key.
    let typed = |e: &Error| {
        matches!(
            e.code(),
            "TRUNCATED"
                | "TRAILING_BYTES"
                | "BAD_MAGIC"
                | "UNSUPPORTED_VERSION"
                | "UNEXPECTED_TYPE"
                | "UNKNOWN_TYPE"
                | "TAG_ORDER"
                | "DUPLICATE_TAG"
                | "UNKNOWN_TAG"
                | "UNKNOWN_SUITE"
                | "BAD_LENGTH"
                | "TOO_LARGE"
                | "MISSING_FIELD"
                | "INVALID_FIELD"
                | "INVALID_KEY"
                | "AUTH_FAILED"
        )
    };
    for n in 0..b.len() {
        let e = Identity::from_record(&b[..n]).unwrap_err();
        assert!(typed(&e), "{n}: {e:?}");
    }
    for r in [&p, &x] {
        for n in 0..r.len() {
            let e = PrekeySecret::from_record(&r[..n]).unwrap_err();
            assert!(typed(&e), "{n}: {e:?}");
        }
        for i in 0..r.len() {
            let mut v = r.to_vec();
            v[i] ^= 0x10;
            match PrekeySecret::from_record(&v) {
                Err(e) => assert!(typed(&e), "{i}: {e:?}"),
                Ok(k) => assert_eq!(*k.to_record().unwrap(), v, "{i}: not canonical"),
            }
        }
    }
    for i in 0..b.len() {
        let mut v = b.to_vec();
        v[i] ^= 0x10;
        match Identity::from_record(&v) {
            Err(e) => assert!(typed(&e), "{i}: {e:?}"),
            Ok(k) => assert_eq!(*k.to_record(), v, "{i}: not canonical"),
        }
    }
}

#[test]
fn debug_and_errors_never_show_secrets() {
    let (_, [b, p], _) = records(12, KemSuite::MlKem768);
    let restored = PrekeySecret::from_record(&p).unwrap();
    let errors = [
        Identity::from_record(&b[..b.len() - 1]).unwrap_err(),
        Identity::from_record(&with_field(&b, DH_SECRET_KEY, &[1; 32])).unwrap_err(),
        PrekeySecret::from_record(&p[..p.len() - 1]).unwrap_err(),
    ];
    let shown = format!(
        "{:?} {:?} {:?} {:?} {}",
        Identity::from_record(&b).unwrap(),
        restored,
        errors,
        pqwire_core::record::RecordReader::new(&b, TYPE_IDENTITY_SECRET).unwrap(),
        errors
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    );
    for secret in [
        value(&b, SIG_SECRET_KEY),
        value(&b, DH_SECRET_KEY),
        value(&p, SECRET_KEY),
    ] {
        assert!(!shown.contains(&hex(&secret[..8])));
        let list = format!("{:?}", &secret[..8]);
        assert!(!shown.contains(&list[1..list.len() - 1]));
    }
}
