//! Seeds of the session targets: the fixed conversation's messages, initial messages for
//! the fixed responder, session records, and records at rest.

use super::*;

/// The ratchet messages of the fixed conversation (`fixtures.rs`), every one that the
/// receiver decrypts and every one it refuses (a deleted key, replays, too far ahead,
/// its own), plus one that only an extension makes invalid.
pub(crate) fn session_decrypt() -> Result<Vec<Seed>, Box<dyn std::error::Error>> {
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
pub(crate) fn session_accept() -> Result<Vec<Seed>, Box<dyn std::error::Error>> {
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
pub(crate) fn session_restore() -> Result<Vec<Seed>, Box<dyn std::error::Error>> {
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
    // v2: the peer's IKdh has no signature of its own (the record's field stays empty),
    // so no seed flips one.
    out.extend([
        ("bad-ss-role".into(), with(0x0101, &[3])),
        ("bad-ss-sig-suite".into(), with(0x0103, &[0x99, 0x99])),
        ("bad-ss-hybrid-auth-flag".into(), with(0x0105, &[2])),
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
pub(crate) fn records() -> Result<Vec<Seed>, Box<dyn std::error::Error>> {
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
    let spk = signed_prekey(valid, &mut rng)?;
    let pqlr = last_resort_kem_prekey(KemSuite::MlKem512, valid, &mut rng)?;
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
        // Restores (the key pair is taken as stored, protocol.md §6.2); its first
        // agreement with the ratchet key is refused (`INVALID_KEY`).
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
