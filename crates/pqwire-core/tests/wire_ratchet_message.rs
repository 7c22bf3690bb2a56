//! The ratchet message (`0x12`, protocol.md §5.4, wire v2 with `pqChunk` and `pqMix`):
//! its documented layout, every rule by
//! hand and from the encoder, `inspect`, and its size with a 1 KiB payload.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod wire_support;
use wire_support::*;

// ---------------------------------------------------------------------------------------
// The ratchet message (0x12, protocol.md §5.4): every rule, by hand and from the encoder.

const RATCHET: u8 = 0x12;
const RATCHET_KEY: u16 = 0x0001;
const PREVIOUS_CHAIN_LENGTH: u16 = 0x0002;
const COUNTER: u16 = 0x0003;
const PQ_CHUNK: u16 = 0x0004;
const PQ_MIX: u16 = 0x0005;
const ASSOCIATED_DATA: u16 = 0x0007;
const CIPHERTEXT: u16 = 0x0008;

/// The default chunk size `D`.
const D: usize = pqwire_core::ratchet::DEFAULT_PQ_CHUNK_LEN as usize;

/// A `pqChunk` value: `u8 kind ‖ u32 seq ‖ u8 index ‖ data`.
fn chunk_bytes(kind: u8, seq: u32, index: u8, data: &[u8]) -> Vec<u8> {
    [&[kind][..], &seq.to_be_bytes(), &[index], data].concat()
}

/// A ratchet message with every field: a key chunk (kind 1, seq 0x34, index 5) and
/// `pqMix` 0x36.
fn ratchet_fields() -> Fields {
    vec![
        (RATCHET_KEY, vec![0x31; 32]),
        (PREVIOUS_CHAIN_LENGTH, be32(2)),
        (COUNTER, be32(3)),
        (PQ_CHUNK, chunk_bytes(1, 0x34, 5, &[0x35; D])),
        (PQ_MIX, be32(0x36)),
        (ASSOCIATED_DATA, b"meta".to_vec()),
        (CIPHERTEXT, vec![0x38; 16 + 5]),
    ]
}

/// [`ratchet_fields`] as the typed message.
fn ratchet_value() -> RatchetMessage {
    let pq = (Some(pq_chunk(ChunkKind::Key, 0x34, 5, 0x35, D)), Some(0x36));
    RatchetMessage::new(header(0x31, (2, 3), pq, b"meta"), vec![0x38; 16 + 5])
}

/// The fields with `tag`'s value replaced: refused by the decoder with `code` at that
/// field (offset, tag, name), and by the encoder given the same fields as a generic
/// message, with the same code, offset and tag. (A generic message cannot hold a u32 of
/// another length than 4; those are left to the decoder.)
#[track_caller]
fn ratchet_refused_at(fields: &Fields, tag: u16, code: Code, name: &str) {
    let r = build(RATCHET, fields);
    refused(&r.bytes, code, r.off(tag), Some(tag), Some(name));
    let mut msg = Message::new(MessageType::RatchetMessage);
    for (t, v) in fields {
        let value = match *t {
            PREVIOUS_CHAIN_LENGTH | COUNTER | PQ_MIX => match <[u8; 4]>::try_from(&v[..]) {
                Ok(b) => Value::Uint(u32::from_be_bytes(b).into()),
                Err(_) => return,
            },
            _ => Value::Bytes(v.clone()),
        };
        msg.fields.push(Field {
            tag: *t,
            value,
            offset: 0,
        });
    }
    let enc = enc_refused(&msg, code);
    assert_eq!((enc.offset, enc.tag), (r.off(tag), Some(tag)), "{enc}");
}

/// A ratchet message of the three required header fields, then field `tag` declaring
/// `len` bytes but holding `value`: refused with `code` at that field.
#[track_caller]
fn refused_after_header(tag: u16, (len, value): (u32, &[u8]), code: Code, name: &str) {
    let r = Raw::new(RATCHET)
        .field(RATCHET_KEY, &[1; 32])
        .field(PREVIOUS_CHAIN_LENGTH, &be32(0))
        .field(COUNTER, &be32(0))
        .field_len(tag, len, value);
    r.refused_at(code, tag, name);
}

/// [`ratchet_fields`] with field `tag` of each length in `lengths`: `BAD_LENGTH` there.
#[track_caller]
fn bad_lengths(tag: u16, name: &str, lengths: &[usize]) {
    for &n in lengths {
        let fields = with(&ratchet_fields(), tag, vec![1; n]);
        ratchet_refused_at(&fields, tag, Code::BadLength, name);
    }
}

/// [`ratchet_fields`] without field `tag`: refused by the decoder with `code` at `at`
/// (the end of the message for a missing field), and by the encoder alike.
#[track_caller]
fn refused_without(tag: u16, code: Code, (at, name): (u16, &str)) {
    let r = build(RATCHET, &without(&ratchet_fields(), tag));
    let offset = if code == Code::MissingField {
        r.len()
    } else {
        r.off(at)
    };
    refused(&r.bytes, code, offset, Some(at), Some(name));
    let mut msg = ratchet_value().to_message();
    msg.fields.retain(|x| x.tag != tag);
    let e = enc_refused(&msg, code);
    assert_eq!((e.offset, e.tag), (offset, Some(at)), "{e}");
}

#[test]
fn ratchet_message_documented_layout_matches_the_library() {
    assert_eq!(MessageType::RatchetMessage.code(), RATCHET);
    assert_eq!(
        MessageType::from_name("ratchet-message"),
        Some(MessageType::RatchetMessage)
    );
    use tags::ratchet_message as t;
    assert_eq!(
        [
            t::TAG_RATCHET_KEY,
            t::TAG_PREVIOUS_CHAIN_LENGTH,
            t::TAG_COUNTER,
            t::TAG_PQ_CHUNK,
            t::TAG_PQ_MIX,
            t::TAG_ASSOCIATED_DATA,
            t::TAG_CIPHERTEXT
        ],
        [
            RATCHET_KEY,
            PREVIOUS_CHAIN_LENGTH,
            COUNTER,
            PQ_CHUNK,
            PQ_MIX,
            ASSOCIATED_DATA,
            CIPHERTEXT
        ]
    );
    // The hand-built message is what the encoder writes; offsets as recorded.
    let r = build(RATCHET, &ratchet_fields());
    let msg = accepted(&r.bytes);
    let offsets: Vec<(u16, usize)> = msg.fields.iter().map(|f| (f.tag, f.offset)).collect();
    assert_eq!(offsets, r.at);
    assert_eq!(RatchetMessage::decode(&r.bytes).unwrap(), ratchet_value());
    assert_eq!(ratchet_value().encode().unwrap(), r.bytes);
    // The header fields are the AEAD's associated data, byte for byte.
    assert_eq!(
        &r.bytes[4..r.off(CIPHERTEXT)],
        ratchet_value().header.to_ad_bytes().as_slice()
    );
}

#[test]
fn ratchet_message_optional_fields_may_be_left_out() {
    let f = ratchet_fields();
    let minimal = without(&without(&without(&f, PQ_CHUNK), PQ_MIX), ASSOCIATED_DATA);
    let bytes = build(RATCHET, &minimal).bytes;
    accepted(&bytes);
    let m = RatchetMessage::decode(&bytes).unwrap();
    assert!(m.header.pq_chunk.is_none() && m.header.pq_mix.is_none());
    assert!(m.header.associated_data.is_empty());
    // pqChunk alone, pqMix alone.
    accepted(&build(RATCHET, &without(&f, PQ_MIX)).bytes);
    accepted(&build(RATCHET, &without(&f, PQ_CHUNK)).bytes);
    // The smallest ciphertext is the bare AEAD tag; extensions follow the ciphertext.
    let tag_only = with(&minimal, CIPHERTEXT, vec![0; 16]);
    accepted(&build(RATCHET, &tag_only).bytes);
    let ext = build(RATCHET, &tag_only).field(0xF000, b"x");
    accepted(&ext.bytes);
    let m = RatchetMessage::decode(&ext.bytes).unwrap();
    assert_eq!(m.extensions, vec![self::ext(0xF000, b"x")]);
    assert_eq!(m.encode().unwrap(), ext.bytes);
}

#[test]
fn ratchet_message_chunks_of_every_allowed_size_and_both_kinds() {
    for kind in [1u8, 2] {
        for d in [16usize, 64, 1024] {
            let f = with(
                &ratchet_fields(),
                PQ_CHUNK,
                chunk_bytes(kind, 1, 0xFF, &vec![7; d]),
            );
            let bytes = build(RATCHET, &f).bytes;
            accepted(&bytes);
            let m = RatchetMessage::decode(&bytes).unwrap();
            let c = m.header.pq_chunk.unwrap();
            assert_eq!(
                (c.kind as u8, c.seq, c.index, c.data.len()),
                (kind, 1, 0xFF, d)
            );
            assert_eq!(c.to_bytes(), chunk_bytes(kind, 1, 0xFF, &vec![7; d]));
        }
    }
}

#[test]
fn ratchet_message_fixed_size_fields_with_another_length() {
    bad_lengths(RATCHET_KEY, "ratchetKey", &[0, 31, 33]);
    bad_lengths(PREVIOUS_CHAIN_LENGTH, "previousChainLength", &[0, 3, 5, 8]);
    bad_lengths(COUNTER, "counter", &[0, 3, 5, 8]);
    bad_lengths(PQ_MIX, "pqMix", &[0, 3, 5, 8]);
}

#[test]
fn ratchet_message_chunk_is_a_head_and_16_to_1024_data_bytes() {
    // Nothing, a head alone, 15 data bytes: BAD_LENGTH; 1025: TOO_LARGE.
    bad_lengths(PQ_CHUNK, "pqChunk", &[0, 6, 6 + 15]);
    let f = with(&ratchet_fields(), PQ_CHUNK, vec![1; 6 + 1025]);
    ratchet_refused_at(&f, PQ_CHUNK, Code::TooLarge, "pqChunk");
    refused_after_header(PQ_CHUNK, (u32::MAX, &[]), Code::TooLarge, "pqChunk");
    refused_after_header(PQ_CHUNK, (6 + 80, &[1; 10]), Code::Truncated, "pqChunk");
}

#[test]
fn ratchet_message_chunk_kind_and_sequence_numbers_are_checked() {
    for kind in [0u8, 3, 0xFF] {
        let f = with(
            &ratchet_fields(),
            PQ_CHUNK,
            chunk_bytes(kind, 1, 0, &[0; D]),
        );
        ratchet_refused_at(&f, PQ_CHUNK, Code::InvalidField, "pqChunk");
    }
    let f = with(&ratchet_fields(), PQ_CHUNK, chunk_bytes(1, 0, 0, &[0; D]));
    ratchet_refused_at(&f, PQ_CHUNK, Code::InvalidField, "pqChunk");
    let f = with(&ratchet_fields(), PQ_MIX, be32(0));
    ratchet_refused_at(&f, PQ_MIX, Code::InvalidField, "pqMix");
}

#[test]
fn ratchet_message_associated_data_is_absent_when_empty() {
    bad_lengths(ASSOCIATED_DATA, "associatedData", &[0]);
    // Over the cap: TOO_LARGE from the declared length alone.
    let over = ((MAX_MESSAGE_LEN + 1) as u32, &[][..]);
    refused_after_header(ASSOCIATED_DATA, over, Code::TooLarge, "associatedData");
}

#[test]
fn ratchet_message_ciphertext_holds_at_least_the_aead_tag() {
    bad_lengths(CIPHERTEXT, "ciphertext", &[0, 1, 15]);
    let mut m = ratchet_value();
    m.ciphertext.truncate(15);
    let err = m.encode().unwrap_err();
    assert_eq!((err.code, err.tag), (Code::BadLength, Some(CIPHERTEXT)));
    refused_after_header(
        CIPHERTEXT,
        (u32::MAX, &[0; 16]),
        Code::TooLarge,
        "ciphertext",
    );
}

#[test]
fn ratchet_message_required_fields() {
    for (tag, name) in [
        (RATCHET_KEY, "ratchetKey"),
        (PREVIOUS_CHAIN_LENGTH, "previousChainLength"),
        (COUNTER, "counter"),
        (CIPHERTEXT, "ciphertext"),
    ] {
        refused_without(tag, Code::MissingField, (tag, name));
    }
}

#[test]
fn ratchet_message_framing_rules() {
    let f = ratchet_fields();
    // Unknown tags: below the first and after the last defined one.
    let r = Raw::new(RATCHET).field(0x0000, &[]);
    refused(&r.bytes, Code::UnknownTag, 4, Some(0x0000), None);
    let r = build(RATCHET, &f).field(0x0009, &[1]);
    refused(
        &r.bytes,
        Code::UnknownTag,
        r.off(0x0009),
        Some(0x0009),
        None,
    );
    // The same tag twice, and tags out of order (counter before previousChainLength).
    let mut twice = f.clone();
    twice.insert(2, (PREVIOUS_CHAIN_LENGTH, be32(0)));
    let r = build(RATCHET, &twice);
    refused(
        &r.bytes,
        Code::DuplicateTag,
        r.at[2].1,
        Some(PREVIOUS_CHAIN_LENGTH),
        Some("previousChainLength"),
    );
    let mut swapped = f.clone();
    swapped.swap(1, 2);
    let r = build(RATCHET, &swapped);
    r.refused_at(Code::TagOrder, PREVIOUS_CHAIN_LENGTH, "previousChainLength");
    // The ciphertext before the header fields it follows.
    let mut first = f.clone();
    first.rotate_right(1);
    let r = build(RATCHET, &first);
    r.refused_at(Code::TagOrder, RATCHET_KEY, "ratchetKey");
    // A truncated ciphertext, and bytes after it too few for a field.
    let whole = build(RATCHET, &f).bytes;
    let ct_at = build(RATCHET, &f).off(CIPHERTEXT);
    refused(
        &whole[..whole.len() - 1],
        Code::Truncated,
        ct_at,
        Some(CIPHERTEXT),
        Some("ciphertext"),
    );
    let r = build(RATCHET, &f).raw(&[0, 8, 0]);
    refused(&r.bytes, Code::TrailingBytes, whole.len(), None, None);
    // Another type where a ratchet message is expected, and the other way round.
    assert_eq!(
        RatchetMessage::decode(&caps().bytes).unwrap_err().code,
        Code::UnexpectedType
    );
    assert_eq!(
        Capabilities::decode(&whole).unwrap_err().code,
        Code::UnexpectedType
    );
}

#[test]
fn ratchet_message_encoder_refuses_what_the_decoder_refuses() {
    // Typed values that break a rule.
    let mut m = ratchet_value();
    m.header.pq_chunk.as_mut().unwrap().data.truncate(15);
    let e = m.encode().unwrap_err();
    assert_eq!(
        (e.code, e.tag, e.field),
        (Code::BadLength, Some(PQ_CHUNK), Some("pqChunk"))
    );
    let mut m = ratchet_value();
    m.header.pq_mix = Some(0);
    let e = m.encode().unwrap_err();
    assert_eq!((e.code, e.tag), (Code::InvalidField, Some(PQ_MIX)));
    // Counters over u32 in a generic message.
    let mut msg = ratchet_value().to_message();
    msg.set(COUNTER, Value::Uint(u64::from(u32::MAX) + 1));
    let e = enc_refused(&msg, Code::InvalidField);
    assert_eq!(e.field, Some("counter"));
    // The typed view refuses a generic message that breaks a rule instead of panicking.
    let mut msg = ratchet_value().to_message();
    msg.set(PQ_CHUNK, Value::Bytes(chunk_bytes(9, 1, 0, &[0; D])));
    assert_eq!(
        RatchetMessage::from_message(&msg).unwrap_err().code,
        Code::InvalidField
    );
}

#[test]
fn ratchet_message_inspect_names_its_fields() {
    let bytes = ratchet_value().encode().unwrap();
    let text = wire::inspect(&bytes);
    for name in [
        "ratchet-message",
        "ratchetKey",
        "previousChainLength",
        "counter",
        "pqChunk",
        "pqMix",
        "associatedData",
        "ciphertext",
    ] {
        assert!(text.contains(name), "{name}: {text}");
    }
    assert!(
        text.ends_with("valid ratchet-message message, canonical\n"),
        "{text}"
    );
    // The chunk in its parts: kind, seq, index, the data's length, then the data.
    let shards = format!("kind key, seq 52, index 5, data {D} B {}…", "35".repeat(32));
    assert!(text.contains(&shards), "{text}");
    let mut m = ratchet_value();
    m.header.pq_chunk = Some(pq_chunk(ChunkKind::Ciphertext, 7, 0, 0x0c, 16));
    let text = wire::inspect(&m.encode().unwrap());
    let shards = format!(
        "kind ciphertext, seq 7, index 0, data 16 B {}\n",
        "0c".repeat(16)
    );
    assert!(text.contains(&shards), "{text}");
    // An unknown kind is refused and shown as hex.
    let r = build(
        RATCHET,
        &with(&ratchet_fields(), PQ_CHUNK, chunk_bytes(3, 1, 0, &[9; 16])),
    );
    let text = wire::inspect(&r.bytes);
    assert!(
        text.contains("pqChunk") && text.contains("030000000100"),
        "{text}"
    );
    assert!(!text.contains("kind "), "{text}");
    assert!(text.contains("error INVALID_FIELD"), "{text}");
    let r = build(RATCHET, &with(&ratchet_fields(), PQ_CHUNK, vec![0; 17]));
    let text = wire::inspect(&r.bytes);
    assert!(
        text.contains(&format!(
            "error BAD_LENGTH: at offset {} (field pqChunk, tag 0x0004)",
            r.off(PQ_CHUNK)
        )),
        "{text}"
    );
}

/// Sizes with a 1 KiB payload (the AEAD adds its 16-byte tag) and the default chunk.
#[test]
fn ratchet_message_sizes_with_a_1_kib_payload() {
    let mut m = ratchet_value();
    m.ciphertext = vec![0; 1024 + 16];
    m.header.associated_data.clear();
    let with_both = m.encode().unwrap().len();
    m.header.pq_mix = None;
    let with_chunk = m.encode().unwrap().len();
    m.header.pq_chunk = None;
    let bare = m.encode().unwrap().len();
    // 4 header + ratchetKey 6+32 + two counters 2×(6+4) + ciphertext 6+1040.
    assert_eq!(bare, 4 + 38 + 20 + 6 + 1040);
    assert_eq!(with_chunk, bare + 6 + 6 + D);
    assert_eq!(with_both, with_chunk + 6 + 4);
    assert_eq!((bare, with_chunk, with_both), (1108, 1200, 1210));
    println!(
        "ratchet message, 1 KiB payload: {bare} bytes without PQ fields, \
         {with_chunk} with a {D}-byte pqChunk, {with_both} with pqMix too"
    );
}
