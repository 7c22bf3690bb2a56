//! The prekey bundles, initial messages and ratchet messages of a seeded handshake, and
//! their invalid variants.

use super::*;

/// The messages of a seeded handshake, each list's first entry the most typical.
pub(crate) struct Handshake {
    pub(crate) bundles: Vec<Seed>,
    pub(crate) initials: Vec<Seed>,
    pub(crate) ratchets: Vec<Seed>,
}

/// A real handshake with deterministic randomness (Ed25519+ML-DSA-65 identities, the
/// smallest allowed; ML-KEM-512; pq-preferred, which allows a classical-only bundle too):
/// prekey bundles, the
/// initial messages made from them (post-quantum, and classical-only, whose ratchet runs
/// X-Wing), and ratchet messages (the nested first one with `kemKey`, the reply of a KEM
/// step with `kemKey` and `kemCiphertext`, one without KEM fields, X25519 lengths,
/// extensions).
pub(crate) fn handshake() -> Result<Handshake, Box<dyn std::error::Error>> {
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
    let spk = signed_prekey(valid, &mut rng)?;
    let pqlr = last_resort_kem_prekey(KemSuite::MlKem512, valid, &mut rng)?;
    let mut opks = one_time_prekeys(1, valid, &mut rng)?;
    let opk = opks.pop().ok_or("no one-time prekey")?;
    let keys = BatchKeys {
        signed_prekey: &spk.public,
        last_resort_kem: Some(&pqlr.public),
        one_time_kem: &[],
        one_time: std::slice::from_ref(&opk.public),
    };
    let upload = sign_batch(&bob, &caps, &keys, &mut rng)?;
    let bundle = assemble_bundle(&upload, None, Some(0))?.encode()?;
    // A classical-only batch: no kemSuite in the statement, so no KEM prekey is missing.
    let classical_keys = BatchKeys {
        last_resort_kem: None,
        one_time: &[],
        ..keys
    };
    let classical_upload = sign_batch(&bob, &caps, &classical_keys, &mut rng)?;
    let classical_bundle = assemble_bundle(&classical_upload, None, None)?.encode()?;

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
            pq_chunk: None,
            pq_mix: None,
            ..header.clone()
        },
        vec![0xC7; 16],
    );
    // Both new fields, a ciphertext chunk of the smallest size, and an extension.
    let every_field = RatchetMessage {
        header: Header {
            pq_chunk: Some(PqChunk {
                kind: ChunkKind::Ciphertext,
                seq: 7,
                index: 3,
                data: vec![0x4C; 16],
            }),
            pq_mix: Some(6),
            associated_data: b"meta".to_vec(),
            ..header.clone()
        },
        ciphertext: ciphertext.clone(),
        extensions: vec![ext(0xF000, b"unauthenticated")],
    };
    // The largest chunk.
    let largest_chunk = RatchetMessage::new(
        Header {
            pq_chunk: Some(PqChunk {
                kind: ChunkKind::Key,
                seq: u32::MAX,
                index: 255,
                data: vec![0x4D; 1024],
            }),
            ..header
        },
        ciphertext,
    );
    let ratchets = [
        ("rm-key-chunk", reply),
        ("rm-first", sent.message.message.clone()),
        ("rm-no-pq-fields", bare),
        ("rm-every-field-extension", every_field),
        ("rm-largest-chunk", largest_chunk),
    ]
    .into_iter()
    .map(|(n, m)| Ok((n.to_string(), m.encode()?)))
    .collect::<Result<Vec<Seed>, pqwire_core::wire::WireError>>()?;
    Ok(Handshake {
        bundles: vec![
            ("pb-ml-kem-512-one-time".into(), bundle),
            ("pb-classical".into(), classical_bundle),
            ("pu-ml-kem-512".into(), upload.encode()?),
            ("pu-classical".into(), classical_upload.encode()?),
            ("pbatch-ml-kem-512".into(), upload.batch_encoded.clone()),
        ],
        initials: vec![
            ("im-ml-kem-512".into(), sent.encoded),
            ("im-classical-x-wing".into(), classical.encoded),
        ],
        ratchets,
    })
}

/// Invalid prekey bundles (`bad-pb-*`; their statement and upload rules have seeds from
/// `invalid.rs`), initial messages (`bad-im-*`) and ratchet
/// messages (`bad-rm-*`), one per rule of their types, made by editing valid ones.
pub(crate) fn invalid_handshake(
    bundles: &[Seed],
    initials: &[Seed],
    ratchets: &[Seed],
) -> Vec<Seed> {
    let (bundle, initial, reply) = (&bundles[0].1, &initials[0].1, &ratchets[0].1);
    let drop = |tag: u16| move |f: &mut Vec<(u16, Vec<u8>)>| f.retain(|(t, _)| *t != tag);
    let nested = |m: &[u8]| {
        let m = m.to_vec();
        move |f: &mut Vec<(u16, Vec<u8>)>| set(f, 0x000B, m)
    };
    let short_ct = edited(reply, |f| set(f, 0x0008, vec![0; 15]));
    let seeds = vec![
        // prekey bundle: a key without its proof, a proof of partial hashes, a leaf index
        // outside the statement's range, a signature of the wrong length.
        ("bad-pb-proof-missing", edited(bundle, drop(0x0007))),
        (
            "bad-pb-proof-partial",
            edited(bundle, |f| set(f, 0x0007, vec![0; 33])),
        ),
        (
            "bad-pb-index-out-of-range",
            edited(bundle, |f| {
                set(f, 0x0006, [&[0, 0, 0, 99][..], &[9; 32]].concat())
            }),
        ),
        (
            "bad-pb-signature-length",
            edited(bundle, |f| set(f, 0x0003, vec![0; 64])),
        ),
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
