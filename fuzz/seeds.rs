//! Writes the seed corpus of every fuzz target into `fuzz/corpus/<target>/`:
//!
//! ```sh
//! cargo run --manifest-path fuzz/Cargo.toml --example seeds [OUT_DIR]
//! ```
//!
//! Seeds are valid encodings made with pqwire-core's public API (default capabilities,
//! lists with unknown suite codes and extensions, key packages of KEM and signature
//! suites with deterministic keys, envelopes with and without their optional fields, and
//! the prekey bundles, initial messages and ratchet messages of a seeded handshake, and
//! records at rest; for the session targets, the genuine messages and the sessions of
//! `fixtures.rs`) plus hand-made invalid messages, one per decoding rule. Every file
//! this program writes is named `seed-*`; before writing, it removes the old `seed-*`
//! files only, so reproducers added by hand (`crash-*`, `regress-*`) stay. The output is
//! deterministic: running it again changes nothing unless the wire format changed.

use std::fs;
use std::path::{Path, PathBuf};

use pqwire_core::negotiation::{Policy, PolicyMode};
use pqwire_core::pqxdh::{
    build_bundle, initiate, last_resort_kem_prekey, one_time_prekeys, respond, signed_prekey,
    FirstMessage, HandshakeOptions, Identity, PrekeySecrets, Validity,
    DEFAULT_SIGNED_PREKEY_LIFETIME,
};
use pqwire_core::random::SeededRandom;
use pqwire_core::ratchet::{
    Header, KemCadence, KemCiphertext, KemPublicKey, RatchetConfig, RatchetInit, RatchetState,
};
use pqwire_core::record::{CHECKSUM_FIELD, CHECKSUM_LABEL};
use pqwire_core::wire::tags::initial_message::TAG_TRANSCRIPT_SIGNATURE;
use pqwire_core::wire::{
    Capabilities, Envelope, Extension, KeyPackage, PackageSuite, RatchetMessage, WireMessage,
};
use pqwire_core::{kem, sig, AeadSuite, KemSuite, SigSuite};
use pqwire_fuzz::{Conversation, Responder};

/// A named input.
type Seed = (String, Vec<u8>);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out: PathBuf = std::env::args_os().nth(1).map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus"),
        PathBuf::from,
    );

    let caps = capabilities()?;
    let packages = key_packages()?;
    let envelopes = envelopes()?;
    let Handshake {
        bundles,
        initials,
        ratchets,
    } = handshake()?;
    let invalid = [
        invalid(&caps, &packages, &envelopes),
        invalid_handshake(&bundles, &initials, &ratchets),
    ]
    .concat();

    // The generic decoder gets every valid message and the header errors; each typed
    // decoder its own type plus the invalid messages of that type; inspect one valid
    // and one invalid message of each type plus the header errors. Small on purpose:
    // the fuzzer finds the rest from these.
    let of_prefix = |prefix: &'static str| {
        invalid
            .iter()
            .filter(move |(n, _)| n.starts_with(prefix))
            .cloned()
    };
    // 0x10 and 0x11 have no typed target: the generic decoder gets their invalid seeds.
    let all: Vec<Seed> = [&caps, &packages, &envelopes, &bundles, &initials, &ratchets]
        .into_iter()
        .flatten()
        .cloned()
        .chain(of_prefix("bad-any"))
        .chain(of_prefix("bad-pb"))
        .chain(of_prefix("bad-im"))
        .collect();
    let of_type = |valid: &[Seed], prefix: &'static str| -> Vec<Seed> {
        valid.iter().cloned().chain(of_prefix(prefix)).collect()
    };
    let mut sample: Vec<Seed> = vec![
        caps[0].clone(),
        packages[0].clone(),
        envelopes[1].clone(),
        bundles[0].clone(),
        initials[0].clone(),
        ratchets[0].clone(),
    ];
    for prefix in [
        "bad-any",
        "bad-caps-truncated",
        "bad-kp-key-length",
        "bad-env-order",
        "bad-im-nested-short-ciphertext",
        "bad-rm-kem-key-length",
    ] {
        sample.extend(of_prefix(prefix));
    }

    write(&out.join("decode"), &all)?;
    write(&out.join("capabilities"), &of_type(&caps, "bad-caps"))?;
    write(&out.join("key_package"), &of_type(&packages, "bad-kp"))?;
    write(&out.join("envelope"), &of_type(&envelopes, "bad-env"))?;
    write(&out.join("ratchet_message"), &of_type(&ratchets, "bad-rm"))?;
    write(&out.join("inspect"), &sample)?;
    write(&out.join("negotiate"), &negotiations(&caps))?;
    write(&out.join("records"), &records()?)?;
    write(&out.join("session_decrypt"), &session_decrypt()?)?;
    write(&out.join("session_accept"), &session_accept()?)?;
    write(&out.join("session_restore"), &session_restore()?)?;
    Ok(())
}

/// The ratchet messages of the fixed conversation (`fixtures.rs`), every one that the
/// receiver decrypts and every one it refuses (a deleted key, replays, too far ahead,
/// its own), plus one that only an extension makes invalid.
fn session_decrypt() -> Result<Vec<Seed>, Box<dyn std::error::Error>> {
    let c = Conversation::get();
    let mut out: Vec<Seed> = c
        .messages
        .iter()
        .map(|m| (m.name.to_string(), m.bytes.clone()))
        .collect();
    let ahead = c.find_named("rm-b8-ahead").ok_or("no rm-b8-ahead")?;
    let mut extended = RatchetMessage::decode(&ahead.bytes)?;
    extended.extensions.push(ext(0xF000, b"unauthenticated"));
    out.push(("bad-rm-b8-extension".into(), extended.encode()?));
    Ok(out)
}

/// The genuine initial messages of the fixed responder (`fixtures.rs`), one with a
/// top-level extension (accepted: protocol code ignores extensions), and refused ones:
/// an extension in the nested ratchet message, an unknown one-time prekey id, no
/// transcript signature under `hybrid-auth`.
fn session_accept() -> Result<Vec<Seed>, Box<dyn std::error::Error>> {
    let r = Responder::get();
    let mut out: Vec<Seed> = r
        .initial_messages
        .iter()
        .map(|g| (g.name.to_string(), g.bytes.clone()))
        .collect();
    let first = &r.initial_messages[0];
    let mut top = first.message.clone();
    top.extensions.push(ext(0xF000, b"ignored"));
    out.push(("im-pqopk-opk-extension".into(), top.encode()?));
    let mut nested = first.message.clone();
    nested
        .message
        .extensions
        .push(ext(0xF000, b"unauthenticated"));
    out.push(("bad-im-nested-extension".into(), nested.encode()?));
    let mut unknown = first.message.clone();
    unknown.one_time_prekey_id = Some([0x0E; 16]);
    out.push(("bad-im-unknown-one-time-prekey".into(), unknown.encode()?));
    out.push((
        "bad-im-no-transcript-signature".into(),
        without_field(&first.bytes, TAG_TRANSCRIPT_SIGNATURE),
    ));
    Ok(out)
}

/// Session records (`Session::serialize`): both ends of the fixed conversation, fresh
/// sessions of the fixed responder's handshakes (initiator, responder post-quantum and
/// classical-only, without `hybrid-auth`); then one invalid record per rule of the
/// session layer's fields (resealed, so that the checksum lets it through), a cut and a
/// damaged one (refused by the framing and the checksum).
fn session_restore() -> Result<Vec<Seed>, Box<dyn std::error::Error>> {
    let c = Conversation::get();
    let r = Responder::get();
    let initial = |name: &str| {
        r.initial_messages
            .iter()
            .find(|g| g.name == name)
            .ok_or("no such initial message")
    };
    let receiver = c.receiver.serialize()?.to_vec();
    let mut out: Vec<Seed> = vec![
        ("ss-receiver-mid-conversation".into(), receiver.clone()),
        (
            "ss-sender-mid-conversation".into(),
            c.sender.serialize()?.to_vec(),
        ),
        (
            "ss-initiator-fresh".into(),
            initial("im-pqopk-opk")?.initiator.serialize()?.to_vec(),
        ),
        (
            "ss-responder-fresh".into(),
            initial("im-pqopk-ml-dsa-87")?.session.serialize()?.to_vec(),
        ),
        (
            "ss-responder-classical".into(),
            initial("im-classical-opk")?.session.serialize()?.to_vec(),
        ),
        (
            "ss-responder-no-hybrid-auth".into(),
            initial("im-pqlr-opk-no-hybrid-auth")?
                .session
                .serialize()?
                .to_vec(),
        ),
    ];
    let with =
        |tag: u16, value: &[u8]| resealed(&edited(&receiver, |f| set(f, tag, value.to_vec())));
    let fields = fields_of(&receiver);
    let field = |tag: u16| {
        fields
            .iter()
            .find(|(t, _)| *t == tag)
            .map(|(_, v)| v.clone())
            .ok_or("no such field")
    };
    let mut signature = field(0x010B)?;
    signature[7] ^= 1;
    out.extend([
        ("bad-ss-role".into(), with(0x0101, &[3])),
        ("bad-ss-sig-suite".into(), with(0x0103, &[0x99, 0x99])),
        ("bad-ss-hybrid-auth-flag".into(), with(0x0105, &[2])),
        ("bad-ss-peer-dh-signature".into(), with(0x010B, &signature)),
        ("bad-ss-peer-sig-key".into(), with(0x0109, &field(0x010A)?)),
        (
            "bad-ss-missing-established-at".into(),
            resealed(&edited(&receiver, |f| f.retain(|(t, _)| *t != 0x010C))),
        ),
        (
            "bad-ss-truncated".into(),
            receiver[..receiver.len() - 1].to_vec(),
        ),
        ("bad-ss-damaged".into(), {
            let mut b = receiver.clone();
            b[receiver.len() / 2] ^= 0x10;
            b
        }),
    ]);
    Ok(out)
}

/// Records at rest (protocol.md §6): session states (fresh on both sides, and mid-way
/// with skipped keys, deleted keys and past chains), one with session-layer fields, an
/// identity, X25519 and ML-KEM prekey secrets; then one invalid record per rule.
fn records() -> Result<Vec<Seed>, Box<dyn std::error::Error>> {
    let now = 1_700_000_000;
    let mut rng = SeededRandom::new([0x6D; 32]);
    let (spk_secret, spk_public) = pqwire_core::x25519::keygen(Some(&[0x6E; 32]))?;
    let config = RatchetConfig {
        cadence: KemCadence::MessagesOrSeconds {
            messages: 2,
            seconds: 600,
        },
        max_skipped_keys: 3,
        ..RatchetConfig::default()
    };
    let init = RatchetInit {
        root_key: &[0x11; 32],
        chain_key: &[0x22; 32],
        session_id: [0x33; 32],
        kem: KemSuite::MlKem512,
        aead: AeadSuite::ChaCha20Poly1305,
        config,
        now,
    };
    let mut alice = RatchetState::init_initiator(init, &spk_public)?;
    let mut bob = RatchetState::init_responder(init, spk_secret.expose())?;
    let mut out: Vec<Seed> = vec![
        ("rs-fresh-initiator".into(), alice.serialize().to_vec()),
        ("rs-fresh-responder".into(), bob.serialize().to_vec()),
    ];
    // Turns of three messages of which only the last arrives: skipped keys beyond the
    // bound of 3, so some are deleted.
    for turn in 0..4u64 {
        let (from, to) = if turn % 2 == 0 {
            (&mut alice, &mut bob)
        } else {
            (&mut bob, &mut alice)
        };
        let mut last = None;
        for _ in 0..3 {
            last = Some(from.encrypt_with(b"m", b"", now + turn, &mut rng)?);
        }
        let (h, ct) = last.ok_or("no message")?;
        to.decrypt(&h, &ct, now + turn)?;
    }
    let mid = alice.serialize().to_vec();
    out.push(("rs-skipped-deleted-past".into(), mid.clone()));
    out.push(("rs-peer".into(), bob.serialize().to_vec()));
    out.push((
        "rs-session-fields".into(),
        alice
            .serialize_with(&[(0x0100, b"peer"), (0x0101, &[1])])?
            .to_vec(),
    ));

    let valid = Validity::starting(now, DEFAULT_SIGNED_PREKEY_LIFETIME)?;
    let id = Identity::generate(SigSuite::Ed25519MlDsa65, valid, &mut rng)?;
    let spk = signed_prekey(&id, valid, &mut rng)?;
    let pqlr = last_resort_kem_prekey(&id, KemSuite::MlKem512, valid, &mut rng)?;
    let identity = id.to_record().to_vec();
    out.push(("is-ed25519-ml-dsa-65".into(), identity.clone()));
    out.push(("ps-x25519-signed".into(), spk.secret.to_record()?.to_vec()));
    out.push((
        "ps-ml-kem-512-last-resort".into(),
        pqlr.secret.to_record()?.to_vec(),
    ));

    // Invalid: one per record rule (the record header and format version, framing,
    // unknown tags, the checks of the ratchet and of the identity), plus a damaged one.
    let swap = |b: &[u8], at: usize, v: u8| {
        let mut b = b.to_vec();
        b[at] = v;
        b
    };
    let fields = fields_of(&mid);
    // Resealed (a new checksum), so that each reaches its rule, not the checksum.
    let with = |tag: u16, value: &[u8]| resealed(&edited(&mid, |f| set(f, tag, value.to_vec())));
    let ratchet_public = fields
        .iter()
        .find(|(t, _)| *t == 0x0012)
        .map(|(_, v)| v.clone())
        .ok_or("no ratchet public key")?;
    let mut wrong_public = ratchet_public;
    wrong_public[5] ^= 1;
    out.extend([
        ("bad-rs-format-version".into(), resealed(&swap(&mid, 10, 2))),
        ("bad-rs-wire-type".into(), swap(&mid, 3, 0x12)),
        ("bad-rs-truncated".into(), mid[..mid.len() - 1].to_vec()),
        ("bad-rs-checksum".into(), swap(&mid, 100, mid[100] ^ 1)),
        ("bad-rs-unknown-tag".into(), with(0x0050, &[1])),
        ("bad-rs-session-tag".into(), with(0x0100, &[1])),
        ("bad-rs-unknown-suite".into(), with(0x0003, &[0x99, 0x99])),
        ("bad-rs-flag".into(), with(0x001F, &[2])),
        ("bad-rs-key-pair".into(), with(0x0012, &wrong_public)),
        ("bad-rs-partial-list".into(), with(0x0021, &[7; 35])),
        ("bad-is-dh-secret".into(), {
            // The last field before the checksum.
            let mut b = edited(&identity, |f| f.retain(|(t, _)| *t != CHECKSUM_FIELD.tag));
            let n = b.len();
            b[n - 5] ^= 1;
            resealed(&b)
        }),
    ]);
    Ok(out)
}

/// Replaces the `seed-*` files of `dir` with `seeds`.
fn write(dir: &Path, seeds: &[Seed]) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("seed-"))
        {
            fs::remove_file(path)?;
        }
    }
    for (name, bytes) in seeds {
        fs::write(dir.join(format!("seed-{name}")), bytes)?;
    }
    println!("{}: {} seeds", dir.display(), seeds.len());
    Ok(())
}

fn codes<T: Copy>(suites: &[T], code: fn(T) -> u16) -> Vec<u16> {
    suites.iter().map(|s| code(*s)).collect()
}

/// `bytes` (a wire message) without its field `tag`: the framing walked by hand, since
/// the encoder refuses a message without a required field.
fn without_field(bytes: &[u8], tag: u16) -> Vec<u8> {
    let mut out = bytes[..4].to_vec();
    let mut at = 4;
    while at + 6 <= bytes.len() {
        let t = u16::from_be_bytes([bytes[at], bytes[at + 1]]);
        let len = u32::from_be_bytes([bytes[at + 2], bytes[at + 3], bytes[at + 4], bytes[at + 5]])
            as usize;
        let end = (at + 6 + len).min(bytes.len());
        if t != tag {
            out.extend_from_slice(&bytes[at..end]);
        }
        at = end;
    }
    out
}

fn ext(tag: u16, value: &[u8]) -> Extension {
    Extension {
        tag,
        value: value.to_vec(),
    }
}

/// Capabilities; the first one is the default and `negotiations` relies on the order.
fn capabilities() -> Result<Vec<Seed>, Box<dyn std::error::Error>> {
    let default = Capabilities::default();
    let pq_only = Capabilities {
        kex_suites: codes(&[KemSuite::XWing, KemSuite::MlKem768], KemSuite::code),
        sig_suites: codes(
            &[SigSuite::Ed25519MlDsa65, SigSuite::MlDsa65],
            SigSuite::code,
        ),
        aead_suites: codes(&[AeadSuite::ChaCha20Poly1305], AeadSuite::code),
        features: 0b0011,
        ..Capabilities::default()
    };
    let classical_only = Capabilities {
        kex_suites: codes(&[KemSuite::X25519], KemSuite::code),
        sig_suites: codes(&[SigSuite::Ed25519], SigSuite::code),
        aead_suites: codes(&[AeadSuite::Aes256Gcm], AeadSuite::code),
        features: 0,
        ..Capabilities::default()
    };
    // Classical suites first: pq-preferred must still pick the post-quantum ones.
    let classical_first = Capabilities {
        kex_suites: codes(
            &[KemSuite::X25519, KemSuite::MlKem512, KemSuite::XWing],
            KemSuite::code,
        ),
        sig_suites: codes(&[SigSuite::Ed25519, SigSuite::MlDsa44], SigSuite::code),
        aead_suites: codes(
            &[AeadSuite::Aes256Gcm, AeadSuite::ChaCha20Poly1305],
            AeadSuite::code,
        ),
        ..Capabilities::default()
    };
    // A newer peer: a wire version and suite codes this library does not know (0x11EC is
    // the TLS code point of X25519MLKEM768, not pqwire's), unknown feature bits.
    let unknown = Capabilities {
        versions: vec![2, 1],
        kex_suites: vec![
            0x11EC,
            KemSuite::XWing.code(),
            0xFFFF,
            KemSuite::X25519.code(),
        ],
        sig_suites: vec![
            0x0A0A,
            SigSuite::Ed25519MlDsa87.code(),
            SigSuite::Ed25519.code(),
        ],
        aead_suites: vec![0x1301, AeadSuite::Aes256Gcm.code()],
        features: 0xFFFF_FFFF,
        extensions: Vec::new(),
    };
    let with_extensions = Capabilities {
        extensions: vec![
            ext(0xF000, b""),
            ext(0xF001, b"pqwire"),
            ext(0xFFFF, &[0xA5; 64]),
        ],
        ..Capabilities::default()
    };
    // Every list at its cap.
    let full = Capabilities {
        versions: (1..=8).collect(),
        kex_suites: codes(KemSuite::ALL, KemSuite::code)
            .into_iter()
            .chain(0x7000..0x7019)
            .collect(),
        sig_suites: codes(SigSuite::ALL, SigSuite::code)
            .into_iter()
            .chain(0x7100..0x711A)
            .collect(),
        aead_suites: codes(AeadSuite::ALL, AeadSuite::code)
            .into_iter()
            .chain(0x7200..0x721E)
            .collect(),
        features: 0x8000_000F,
        extensions: (0..16).map(|i| ext(0xF000 + i, &[i as u8])).collect(),
    };
    let named = [
        ("caps-default", default),
        ("caps-pq-only", pq_only),
        ("caps-classical-only", classical_only),
        ("caps-classical-first", classical_first),
        ("caps-unknown-suites", unknown),
        ("caps-extensions", with_extensions),
        ("caps-full-lists", full),
    ];
    named
        .into_iter()
        .map(|(n, c)| Ok((n.to_string(), c.encode().map_err(pqwire_core::Error::from)?)))
        .collect()
}

/// Key packages with real public keys from deterministic seeds.
fn key_packages() -> Result<Vec<Seed>, Box<dyn std::error::Error>> {
    let kem_key = |s: KemSuite| -> pqwire_core::Result<Vec<u8>> {
        let b = kem::backend(s);
        Ok(b.keygen(Some(&vec![0x42; b.lengths().keygen_seed]))?.0)
    };
    let sig_key = |s: SigSuite| -> pqwire_core::Result<Vec<u8>> {
        let b = sig::backend(s);
        Ok(b.keygen(Some(&vec![0x24; b.lengths().keygen_seed]))?.0)
    };
    let package =
        |i: u8, suite: PackageSuite, public_key: Vec<u8>, extensions: Vec<Extension>| KeyPackage {
            key_id: [i; 16],
            suite,
            public_key,
            created: 1_700_000_000,
            expires: 1_700_000_000 + 30 * 86_400,
            extensions,
        };
    let named = [
        (
            "kp-kem-x-wing",
            package(
                1,
                PackageSuite::Kem(KemSuite::XWing),
                kem_key(KemSuite::XWing)?,
                vec![],
            ),
        ),
        (
            "kp-kem-ml-kem-512",
            package(
                2,
                PackageSuite::Kem(KemSuite::MlKem512),
                kem_key(KemSuite::MlKem512)?,
                vec![],
            ),
        ),
        (
            "kp-kem-x25519",
            package(
                3,
                PackageSuite::Kem(KemSuite::X25519),
                kem_key(KemSuite::X25519)?,
                vec![],
            ),
        ),
        (
            "kp-sig-ed25519",
            package(
                4,
                PackageSuite::Sig(SigSuite::Ed25519),
                sig_key(SigSuite::Ed25519)?,
                vec![],
            ),
        ),
        (
            "kp-sig-ml-dsa-44",
            package(
                5,
                PackageSuite::Sig(SigSuite::MlDsa44),
                sig_key(SigSuite::MlDsa44)?,
                vec![],
            ),
        ),
        (
            "kp-sig-ed25519-ml-dsa-65-ext",
            package(
                6,
                PackageSuite::Sig(SigSuite::Ed25519MlDsa65),
                sig_key(SigSuite::Ed25519MlDsa65)?,
                vec![ext(0xF010, b"label")],
            ),
        ),
    ];
    named
        .into_iter()
        .map(|(n, k)| Ok((n.to_string(), k.encode().map_err(pqwire_core::Error::from)?)))
        .collect()
}

/// Envelopes with and without their optional fields.
fn envelopes() -> Result<Vec<Seed>, Box<dyn std::error::Error>> {
    let named = [
        (
            "env-minimal",
            Envelope {
                content_type: 0x0001,
                ..Default::default()
            },
        ),
        (
            "env-full",
            Envelope {
                content_type: 0x8001,
                sender_key_id: Some([0x11; 16]),
                recipient_key_id: Some([0x22; 16]),
                sent_at: Some(1_700_000_000),
                payload: b"hello, post-quantum world".to_vec(),
                extensions: vec![ext(0xF000, b"trace-id")],
            },
        ),
        (
            "env-recipient-only",
            Envelope {
                content_type: 0x7FFF,
                recipient_key_id: Some([0xEE; 16]),
                payload: (0..=255).collect(),
                ..Default::default()
            },
        ),
        (
            "env-max-time",
            Envelope {
                content_type: 0xFFFF,
                sent_at: Some((1 << 53) - 1),
                payload: vec![0; 1],
                ..Default::default()
            },
        ),
    ];
    named
        .into_iter()
        .map(|(n, e)| Ok((n.to_string(), e.encode().map_err(pqwire_core::Error::from)?)))
        .collect()
}

/// The messages of a seeded handshake, each list's first entry the most typical.
struct Handshake {
    bundles: Vec<Seed>,
    initials: Vec<Seed>,
    ratchets: Vec<Seed>,
}

/// A real handshake with deterministic randomness (Ed25519+ML-DSA-65 identities, the
/// smallest allowed; ML-KEM-512; pq-preferred, which allows a classical-only bundle too):
/// prekey bundles, the
/// initial messages made from them (post-quantum, and classical-only, whose ratchet runs
/// X-Wing), and ratchet messages (the nested first one with `kemKey`, the reply of a KEM
/// step with `kemKey` and `kemCiphertext`, one without KEM fields, X25519 lengths,
/// extensions).
fn handshake() -> Result<Handshake, Box<dyn std::error::Error>> {
    let now = 1_700_000_000;
    let mut rng = SeededRandom::new([0x5E; 32]);
    let valid = Validity::starting(now, DEFAULT_SIGNED_PREKEY_LIFETIME)?;
    let caps = Capabilities::default().encode()?;
    let options = HandshakeOptions {
        policy: Policy::new(PolicyMode::PqPreferred),
        ratchet: None,
        suite_cadence: false,
    };
    let bob = Identity::generate(SigSuite::Ed25519MlDsa65, valid, &mut rng)?;
    let spk = signed_prekey(&bob, valid, &mut rng)?;
    let pqlr = last_resort_kem_prekey(&bob, KemSuite::MlKem512, valid, &mut rng)?;
    let mut opks = one_time_prekeys(&bob, 1, valid, &mut rng)?;
    let opk = opks.pop().ok_or("no one-time prekey")?;
    let bundle = build_bundle(
        bob.public(),
        &caps,
        &spk.public,
        Some(&pqlr.public),
        Some(&opk.public),
    )?
    .encode()?;
    let classical_bundle = build_bundle(bob.public(), &caps, &spk.public, None, None)?.encode()?;

    let alice = Identity::generate(SigSuite::Ed25519MlDsa65, valid, &mut rng)?;
    let first = FirstMessage {
        plaintext: b"hello Bob",
        associated_data: b"thread 7",
    };
    let sent = initiate(&alice, &caps, &bundle, first, &options, now, &mut rng)?;
    // Alice offers no ML-KEM: with both offering it, a bundle without a KEM prekey is
    // refused as stripped.
    let mut classical_caps = Capabilities::default();
    classical_caps.kex_suites.retain(|c| {
        ![KemSuite::MlKem512, KemSuite::MlKem768, KemSuite::MlKem1024]
            .iter()
            .any(|k| k.code() == *c)
    });
    let classical = initiate(
        &alice,
        &classical_caps.encode()?,
        &classical_bundle,
        first,
        &options,
        now,
        &mut rng,
    )?;

    let mut secrets = PrekeySecrets::new();
    secrets.insert(spk.secret);
    secrets.insert(pqlr.secret);
    secrets.insert(opk.secret);
    let mut bob_session =
        respond(&bob, &caps, &mut secrets, &sent.encoded, &options, now + 1)?.session;
    let (header, ciphertext) = bob_session.encrypt_with(b"hi Alice", b"", now + 2, &mut rng)?;
    let reply = RatchetMessage::new(header.clone(), ciphertext.clone());
    let bare = RatchetMessage::new(
        Header {
            kem_key: None,
            kem_ciphertext: None,
            ..header.clone()
        },
        vec![0xC7; 16],
    );
    let x25519_lengths = RatchetMessage {
        header: Header {
            kem_key: Some(KemPublicKey {
                key_id: [0x4B; 16],
                public_key: vec![0x4C; 32],
            }),
            kem_ciphertext: Some(KemCiphertext {
                key_id: [0x4D; 16],
                ciphertext: vec![0x4E; 32],
            }),
            associated_data: b"meta".to_vec(),
            ..header
        },
        ciphertext,
        extensions: vec![ext(0xF000, b"unauthenticated")],
    };
    let ratchets = [
        ("rm-kem-step", reply),
        ("rm-first", sent.message.message.clone()),
        ("rm-no-kem-fields", bare),
        ("rm-x25519-extension", x25519_lengths),
    ]
    .into_iter()
    .map(|(n, m)| Ok((n.to_string(), m.encode()?)))
    .collect::<Result<Vec<Seed>, pqwire_core::wire::WireError>>()?;
    Ok(Handshake {
        bundles: vec![
            ("pb-ml-kem-512-one-time".into(), bundle),
            ("pb-classical".into(), classical_bundle),
        ],
        initials: vec![
            ("im-ml-kem-512".into(), sent.encoded),
            ("im-classical-x-wing".into(), classical.encoded),
        ],
        ratchets,
    })
}

/// Fields `(tag, value)` of a well-formed message (after its 4-byte header).
fn fields_of(msg: &[u8]) -> Vec<(u16, Vec<u8>)> {
    let mut out = Vec::new();
    let mut rest = &msg[4..];
    while let Some((&[t0, t1, l0, l1, l2, l3], after)) = rest.split_first_chunk::<6>() {
        let len = u32::from_be_bytes([l0, l1, l2, l3]) as usize;
        out.push((u16::from_be_bytes([t0, t1]), after[..len].to_vec()));
        rest = &after[len..];
    }
    out
}

/// `msg` rebuilt with `edit` applied to its fields.
fn edited(msg: &[u8], edit: impl FnOnce(&mut Vec<(u16, Vec<u8>)>)) -> Vec<u8> {
    let mut fields = fields_of(msg);
    edit(&mut fields);
    let borrowed: Vec<(u16, &[u8])> = fields.iter().map(|(t, v)| (*t, v.as_slice())).collect();
    raw(msg[2], msg[3], &borrowed)
}

/// A record (protocol.md §6) with its checksum, the last field, computed again over
/// what comes before it: an edited record then reaches the rule it breaks instead of
/// the checksum.
fn resealed(record: &[u8]) -> Vec<u8> {
    let mut body = edited(record, |f| f.retain(|(t, _)| *t != CHECKSUM_FIELD.tag));
    let sum = pqwire_core::hash::sha3_256(&[CHECKSUM_LABEL, &body]);
    body.extend_from_slice(&CHECKSUM_FIELD.tag.to_be_bytes());
    body.extend_from_slice(&(sum.len() as u32).to_be_bytes());
    body.extend_from_slice(&sum);
    body
}

/// Sets field `tag` to `value`, in place or in tag order.
fn set(fields: &mut Vec<(u16, Vec<u8>)>, tag: u16, value: Vec<u8>) {
    match fields.iter().position(|(t, _)| *t >= tag) {
        Some(i) if fields[i].0 == tag => fields[i].1 = value,
        Some(i) => fields.insert(i, (tag, value)),
        None => fields.push((tag, value)),
    }
}

/// Invalid prekey bundles (`bad-pb-*`), initial messages (`bad-im-*`) and ratchet
/// messages (`bad-rm-*`), one per rule of their types, made by editing valid ones.
fn invalid_handshake(bundles: &[Seed], initials: &[Seed], ratchets: &[Seed]) -> Vec<Seed> {
    let (bundle, initial, reply) = (&bundles[0].1, &initials[0].1, &ratchets[0].1);
    let drop = |tag: u16| move |f: &mut Vec<(u16, Vec<u8>)>| f.retain(|(t, _)| *t != tag);
    let nested = |m: &[u8]| {
        let m = m.to_vec();
        move |f: &mut Vec<(u16, Vec<u8>)>| set(f, 0x000B, m)
    };
    let short_ct = edited(reply, |f| set(f, 0x0008, vec![0; 15]));
    let seeds = vec![
        // prekey bundle: a KEM prekey's signature without the key, the flag out of range.
        ("bad-pb-signature-alone", edited(bundle, drop(0x0007))),
        ("bad-pb-flag-2", edited(bundle, |f| set(f, 0x0009, vec![2]))),
        // initial message: a broken nested ratchet message, a first message with a KEM
        // ciphertext, a KEM prekey id without its ciphertext.
        (
            "bad-im-nested-short-ciphertext",
            edited(initial, nested(&short_ct)),
        ),
        (
            "bad-im-first-chain-kem-ciphertext",
            edited(initial, nested(reply)),
        ),
        ("bad-im-prekey-id-alone", edited(initial, drop(0x0009))),
        // ratchet message: every rule.
        (
            "bad-rm-ratchet-key-length",
            edited(reply, |f| set(f, 0x0001, vec![1; 31])),
        ),
        (
            "bad-rm-counter-length",
            edited(reply, |f| set(f, 0x0003, vec![0; 8])),
        ),
        (
            "bad-rm-kem-key-length",
            edited(reply, |f| set(f, 0x0004, vec![1; 800])),
        ),
        (
            "bad-rm-kem-ciphertext-length",
            edited(reply, |f| set(f, 0x0005, vec![1; 767])),
        ),
        (
            "bad-rm-ciphertext-without-key-id",
            edited(reply, drop(0x0006)),
        ),
        (
            "bad-rm-key-id-without-ciphertext",
            edited(reply, drop(0x0005)),
        ),
        (
            "bad-rm-empty-associated-data",
            edited(reply, |f| set(f, 0x0007, Vec::new())),
        ),
        ("bad-rm-short-ciphertext", short_ct.clone()),
        ("bad-rm-missing-counter", edited(reply, drop(0x0003))),
        (
            "bad-rm-unknown-tag",
            edited(reply, |f| set(f, 0x0009, vec![0])),
        ),
        ("bad-rm-order", edited(reply, |f| f.swap(1, 2))),
        ("bad-rm-trailing", [reply.as_slice(), &[0, 8, 0]].concat()),
        ("bad-rm-truncated", reply[..reply.len() - 1].to_vec()),
    ];
    seeds.into_iter().map(|(n, b)| (n.to_string(), b)).collect()
}

/// A message from raw parts, with no checks: for the invalid seeds.
fn raw(version: u8, ty: u8, fields: &[(u16, &[u8])]) -> Vec<u8> {
    let mut out = vec![b'P', b'W', version, ty];
    for (tag, value) in fields {
        out.extend_from_slice(&tag.to_be_bytes());
        out.extend_from_slice(&(value.len() as u32).to_be_bytes());
        out.extend_from_slice(value);
    }
    out
}

/// Invalid messages, one per rule, named `bad-<type>-<rule>`.
fn invalid(caps: &[Seed], packages: &[Seed], envelopes: &[Seed]) -> Vec<Seed> {
    let default_caps = &caps[0].1;
    let env = &envelopes[1].1;
    let kp = &packages[2].1; // X25519: small
    let time = |t: u64| t.to_be_bytes();
    let (c, e) = (0x8001u16.to_be_bytes(), time(1_700_000_000));
    let list = |codes: &[u16]| {
        codes
            .iter()
            .flat_map(|c| c.to_be_bytes())
            .collect::<Vec<u8>>()
    };
    let x25519 = KemSuite::X25519.code().to_be_bytes();
    let ed25519 = SigSuite::Ed25519.code().to_be_bytes();
    let kp_fields =
        |kem: Option<&[u8]>, sig: Option<&[u8]>, key: &[u8], created: u64, expires: u64| {
            let (created, expires) = (time(created), time(expires));
            let mut fields: Vec<(u16, Vec<u8>)> = vec![(1, vec![7; 16])];
            if let Some(k) = kem {
                fields.push((2, k.to_vec()));
            }
            if let Some(s) = sig {
                fields.push((3, s.to_vec()));
            }
            fields.extend([
                (4, key.to_vec()),
                (5, created.to_vec()),
                (6, expires.to_vec()),
            ]);
            let borrowed: Vec<(u16, &[u8])> =
                fields.iter().map(|(t, v)| (*t, v.as_slice())).collect();
            raw(1, 2, &borrowed)
        };
    let mut dup_ext = env.clone();
    dup_ext.extend_from_slice(&[0xF0, 0x00, 0, 0, 0, 0]);
    let seeds = vec![
        ("bad-any-magic", b"XW\x01\x01".to_vec()),
        ("bad-any-header", b"PW\x01".to_vec()),
        ("bad-any-version", raw(2, 1, &[])),
        ("bad-any-type", raw(1, 0x7F, &[])),
        (
            "bad-caps-truncated",
            default_caps[..default_caps.len() - 1].to_vec(),
        ),
        (
            "bad-caps-missing-features",
            raw(
                1,
                1,
                &[(1, &[1]), (2, &x25519), (3, &ed25519), (4, &[0, 3])],
            ),
        ),
        (
            "bad-caps-duplicate-suite",
            raw(
                1,
                1,
                &[
                    (1, &[1]),
                    (2, &list(&[0x001D, 0x001D])),
                    (3, &ed25519),
                    (4, &[0, 3]),
                    (5, &[0; 4]),
                ],
            ),
        ),
        (
            "bad-caps-odd-list",
            raw(
                1,
                1,
                &[
                    (1, &[1]),
                    (2, &[0x00, 0x1D, 0x64]),
                    (3, &ed25519),
                    (4, &[0, 3]),
                    (5, &[0; 4]),
                ],
            ),
        ),
        (
            "bad-caps-empty-versions",
            raw(
                1,
                1,
                &[
                    (1, &[]),
                    (2, &x25519),
                    (3, &ed25519),
                    (4, &[0, 3]),
                    (5, &[0; 4]),
                ],
            ),
        ),
        (
            "bad-kp-both-suites",
            kp_fields(Some(&x25519), Some(&ed25519), &[9; 32], 1, 2),
        ),
        ("bad-kp-no-suite", kp_fields(None, None, &[9; 32], 1, 2)),
        (
            "bad-kp-unknown-suite",
            kp_fields(Some(&[0x11, 0xEC]), None, &[9; 32], 1, 2),
        ),
        (
            "bad-kp-key-length",
            kp_fields(Some(&x25519), None, &[9; 31], 1, 2),
        ),
        (
            "bad-kp-expired",
            kp_fields(None, Some(&ed25519), &[9; 32], 5, 5),
        ),
        ("bad-kp-trailing", [kp.as_slice(), &[0, 0, 0]].concat()),
        ("bad-env-order", raw(1, 3, &[(5, b"x"), (1, &c)])),
        (
            "bad-env-duplicate-tag",
            raw(1, 3, &[(1, &c), (1, &c), (5, b"x")]),
        ),
        (
            "bad-env-unknown-tag",
            raw(1, 3, &[(1, &c), (0x0100, b""), (5, b"x")]),
        ),
        (
            "bad-env-key-id-length",
            raw(1, 3, &[(1, &c), (2, &[1; 15]), (5, b"x")]),
        ),
        (
            "bad-env-time-over-max",
            raw(1, 3, &[(1, &c), (4, &time(1 << 53)), (5, b"x")]),
        ),
        (
            "bad-env-huge-length",
            [&raw(1, 3, &[(1, &c)])[..], &[0, 5, 0xFF, 0xFF, 0xFF, 0xFF]].concat(),
        ),
        ("bad-env-duplicate-extension", dup_ext),
        ("bad-env-missing-payload", raw(1, 3, &[(1, &c), (4, &e)])),
    ];
    seeds.into_iter().map(|(n, b)| (n.to_string(), b)).collect()
}

/// Negotiation inputs: `control | split u16 | local | remote` (see fuzz_targets/negotiate.rs).
fn negotiations(caps: &[Seed]) -> Vec<Seed> {
    let get = |name: &str| &caps.iter().find(|(n, _)| n == name).expect("seed exists").1;
    // control: bits 0-1 mode (0 pq-required, 1 pq-preferred, 2 classical-allowed),
    // bit 2 responder, bits 3-7 minimum version (1 here, 2 for a rollback refusal).
    let cases = [
        (
            "pqreq-init-default-default",
            0x08,
            "caps-default",
            "caps-default",
        ),
        (
            "pqreq-resp-default-pq-only",
            0x0C,
            "caps-default",
            "caps-pq-only",
        ),
        (
            "pqreq-init-classical-classical",
            0x08,
            "caps-classical-only",
            "caps-classical-only",
        ),
        (
            "pqpref-init-classical-first",
            0x09,
            "caps-classical-first",
            "caps-default",
        ),
        (
            "pqpref-resp-classical-pq",
            0x0D,
            "caps-classical-only",
            "caps-pq-only",
        ),
        (
            "classical-init-classical-first",
            0x0A,
            "caps-classical-first",
            "caps-default",
        ),
        (
            "classical-resp-default-classical",
            0x0E,
            "caps-default",
            "caps-classical-only",
        ),
        (
            "pqreq-init-default-unknown",
            0x08,
            "caps-default",
            "caps-unknown-suites",
        ),
        (
            "pqpref-resp-unknown-default",
            0x0D,
            "caps-unknown-suites",
            "caps-default",
        ),
        (
            "pqreq-init-extensions-full",
            0x08,
            "caps-extensions",
            "caps-full-lists",
        ),
        (
            "minver2-init-default-default",
            0x10,
            "caps-default",
            "caps-default",
        ),
    ];
    cases
        .iter()
        .map(|(name, control, local, remote)| {
            let (local, remote) = (get(local), get(remote));
            let mut input = vec![*control];
            input.extend_from_slice(&(local.len() as u16).to_be_bytes());
            input.extend_from_slice(local);
            input.extend_from_slice(remote);
            (format!("neg-{name}"), input)
        })
        .collect()
}
