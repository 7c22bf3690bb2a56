//! The body of a ratchet message (protocol.md §5.4 fields `0x0001`–`0x0008`), as the
//! initial message embeds it until the `ratchet-message` type (`0x12`) has its codec.
//!
//! The body is exactly the header encoding the ratchet authenticates
//! ([`Header::to_ad_bytes`]: fields `0x0001`–`0x0007`, `kemKey` as `keyId ‖ publicKey`)
//! followed by the field `0x0008` `ciphertext`, each field `u16(tag) ‖ u32(len) ‖ value`.
//! Decoding is as strict as the wire codec's: tags ascending, no unknown tag, exact
//! lengths, required fields, no trailing bytes; so `encode(decode(b)) == b`.

use super::error::{WireError, WireErrorCode as Code};
use super::limits::{FIELD_HEADER_LEN, KEY_ID_LEN};
use crate::aead;
use crate::ratchet::{
    Header, KemCiphertext, KemPublicKey, TAG_ASSOCIATED_DATA, TAG_COUNTER, TAG_KEM_CIPHERTEXT,
    TAG_KEM_CIPHERTEXT_KEY_ID, TAG_KEM_KEY, TAG_PREVIOUS_CHAIN_LENGTH, TAG_RATCHET_KEY,
};
use crate::{kem, KemSuite};

/// Tag of the AEAD ciphertext, after the header fields.
pub const TAG_CIPHERTEXT: u16 = 0x0008;

/// A ratchet message: the header and the AEAD ciphertext.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RatchetBody {
    /// The header (authenticated, not encrypted).
    pub header: Header,
    /// The AEAD output (plaintext length + 16).
    pub ciphertext: Vec<u8>,
}

/// A rule the body broke: code, offset inside the body, tag, detail.
pub(crate) type BodyError = (Code, usize, Option<u16>, String);

impl RatchetBody {
    /// The body's encoding: [`Header::to_ad_bytes`] ‖ `u16(0x0008) ‖ u32(len) ‖ ciphertext`.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = self.header.to_ad_bytes();
        out.extend_from_slice(&TAG_CIPHERTEXT.to_be_bytes());
        out.extend_from_slice(
            &u32::try_from(self.ciphertext.len())
                .unwrap_or(u32::MAX)
                .to_be_bytes(),
        );
        out.extend_from_slice(&self.ciphertext);
        out
    }

    /// Decodes a body; the error names the rule, with offsets counted from the body's
    /// start (the initial message's rules add where the body starts).
    pub fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        parse(bytes).map_err(|(code, offset, tag, detail)| match tag {
            Some(t) => WireError::in_field(code, offset, t, name(t), detail),
            None => WireError::at(code, offset, detail),
        })
    }
}

/// The field names of §5.4.
fn name(tag: u16) -> Option<&'static str> {
    Some(match tag {
        TAG_RATCHET_KEY => "ratchetKey",
        TAG_PREVIOUS_CHAIN_LENGTH => "previousChainLength",
        TAG_COUNTER => "counter",
        TAG_KEM_KEY => "kemKey",
        TAG_KEM_CIPHERTEXT => "kemCiphertext",
        TAG_KEM_CIPHERTEXT_KEY_ID => "kemCiphertextKeyId",
        TAG_ASSOCIATED_DATA => "associatedData",
        TAG_CIPHERTEXT => "ciphertext",
        _ => return None,
    })
}

/// Whether `len` is the public key (`public == true`) or ciphertext length of a KEM suite.
fn some_kem_len(len: usize, public: bool) -> bool {
    KemSuite::ALL.iter().any(|s| {
        let l = kem::backend(*s).lengths();
        len == if public { l.public_key } else { l.cipher_text }
    })
}

pub(crate) fn parse(bytes: &[u8]) -> Result<RatchetBody, BodyError> {
    let mut fields: Vec<(u16, &[u8])> = Vec::new();
    let mut offset = 0usize;
    let mut rest = bytes;
    while !rest.is_empty() {
        let Some((&[t0, t1, l0, l1, l2, l3], after)) = rest.split_first_chunk::<FIELD_HEADER_LEN>()
        else {
            return Err((
                Code::TrailingBytes,
                offset,
                None,
                format!("{} bytes left, too few for a field header", rest.len()),
            ));
        };
        let tag = u16::from_be_bytes([t0, t1]);
        let len = u32::from_be_bytes([l0, l1, l2, l3]) as usize;
        let bad = |code, detail: String| Err((code, offset, Some(tag), detail));
        match fields.last() {
            Some((p, _)) if *p == tag => return bad(Code::DuplicateTag, "tag repeats".into()),
            Some((p, _)) if *p > tag => {
                return bad(Code::TagOrder, format!("tag follows 0x{p:04X}"))
            }
            _ => {}
        }
        if name(tag).is_none() {
            return bad(Code::UnknownTag, "not a ratchet message field".into());
        }
        let Some(value) = after.get(..len) else {
            return bad(
                Code::Truncated,
                format!("field declares {len} bytes, {} remain", after.len()),
            );
        };
        let ok = match tag {
            TAG_RATCHET_KEY => len == 32,
            TAG_PREVIOUS_CHAIN_LENGTH | TAG_COUNTER => len == 4,
            TAG_KEM_KEY => len > KEY_ID_LEN && some_kem_len(len - KEY_ID_LEN, true),
            TAG_KEM_CIPHERTEXT => some_kem_len(len, false),
            TAG_KEM_CIPHERTEXT_KEY_ID => len == KEY_ID_LEN,
            TAG_ASSOCIATED_DATA => len >= 1,
            _ => len >= aead::TAG_LEN,
        };
        if !ok {
            return bad(
                Code::BadLength,
                format!("length {len} does not fit the field"),
            );
        }
        fields.push((tag, value));
        offset += FIELD_HEADER_LEN + len;
        rest = &after[len..];
    }
    let get = |tag| fields.iter().find(|(t, _)| *t == tag).map(|(_, v)| *v);
    let missing = |tag| {
        (
            Code::MissingField,
            bytes.len(),
            Some(tag),
            "required field is missing".to_string(),
        )
    };
    let u32_of = |v: &[u8]| v.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b));
    let ratchet_key = get(TAG_RATCHET_KEY).ok_or_else(|| missing(TAG_RATCHET_KEY))?;
    let pn = get(TAG_PREVIOUS_CHAIN_LENGTH).ok_or_else(|| missing(TAG_PREVIOUS_CHAIN_LENGTH))?;
    let n = get(TAG_COUNTER).ok_or_else(|| missing(TAG_COUNTER))?;
    let ciphertext = get(TAG_CIPHERTEXT).ok_or_else(|| missing(TAG_CIPHERTEXT))?;
    let kem_ciphertext = match (get(TAG_KEM_CIPHERTEXT), get(TAG_KEM_CIPHERTEXT_KEY_ID)) {
        (Some(ct), Some(id)) => Some(KemCiphertext {
            key_id: id.try_into().unwrap_or_default(),
            ciphertext: ct.to_vec(),
        }),
        (None, None) => None,
        (Some(_), None) => return Err(missing(TAG_KEM_CIPHERTEXT_KEY_ID)),
        (None, Some(_)) => {
            return Err((
                Code::InvalidField,
                0,
                Some(TAG_KEM_CIPHERTEXT_KEY_ID),
                "present without kemCiphertext".into(),
            ))
        }
    };
    let mut key = [0u8; 32];
    key.copy_from_slice(ratchet_key);
    Ok(RatchetBody {
        header: Header {
            ratchet_key: key,
            previous_chain_length: u32_of(pn),
            counter: u32_of(n),
            kem_key: get(TAG_KEM_KEY).map(|v| {
                let (id, pk) = v.split_at(KEY_ID_LEN);
                KemPublicKey {
                    key_id: id.try_into().unwrap_or_default(),
                    public_key: pk.to_vec(),
                }
            }),
            kem_ciphertext,
            associated_data: get(TAG_ASSOCIATED_DATA).unwrap_or_default().to_vec(),
        },
        ciphertext: ciphertext.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn sample() -> RatchetBody {
        RatchetBody {
            header: Header {
                ratchet_key: [1; 32],
                previous_chain_length: 2,
                counter: 3,
                kem_key: Some(KemPublicKey {
                    key_id: [4; 16],
                    public_key: vec![5; 1184],
                }),
                kem_ciphertext: Some(KemCiphertext {
                    key_id: [6; 16],
                    ciphertext: vec![7; 1088],
                }),
                associated_data: b"meta".to_vec(),
            },
            ciphertext: vec![8; 20],
        }
    }

    #[test]
    fn round_trip_and_every_truncation_refused() {
        let b = sample();
        let bytes = b.encode();
        assert_eq!(RatchetBody::decode(&bytes).unwrap(), b);
        for n in 0..bytes.len() {
            assert!(RatchetBody::decode(&bytes[..n]).is_err(), "prefix {n}");
        }
        let mut bare = b.clone();
        bare.header.kem_key = None;
        bare.header.kem_ciphertext = None;
        bare.header.associated_data.clear();
        assert_eq!(RatchetBody::decode(&bare.encode()).unwrap(), bare);
    }

    #[test]
    fn rules_fire() {
        let code = |bytes: &[u8]| RatchetBody::decode(bytes).unwrap_err().code;
        let bytes = sample().encode();
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(code(&longer), Code::TrailingBytes);
        let mut swapped = bytes.clone();
        swapped[39] = 3; // previousChainLength's tag becomes 0x0003, as the next one's
        assert_eq!(code(&swapped), Code::DuplicateTag);
        swapped[39] = 2;
        swapped[49] = 1; // counter's tag becomes 0x0001, after 0x0002
        assert_eq!(code(&swapped), Code::TagOrder);
        let mut unknown = sample();
        unknown.ciphertext.clear();
        assert_eq!(code(&unknown.encode()), Code::BadLength);
        let mut k = sample();
        k.header.kem_key.as_mut().unwrap().public_key.pop();
        assert_eq!(code(&k.encode()), Code::BadLength);
        // ciphertext without its key id: cut the key-id field out of the encoding.
        let b = sample();
        let mut no_id = b.header.clone();
        no_id.kem_ciphertext = None;
        let mut enc = no_id.to_ad_bytes();
        let ct = b.header.kem_ciphertext.unwrap().ciphertext;
        let at = 6 + 32 + 6 + 4 + 6 + 4 + 6 + 16 + 1184;
        let mut field = TAG_KEM_CIPHERTEXT.to_be_bytes().to_vec();
        field.extend_from_slice(&(ct.len() as u32).to_be_bytes());
        field.extend_from_slice(&ct);
        enc.splice(at..at, field);
        enc.extend_from_slice(&[0, 8, 0, 0, 0, 16]);
        enc.extend_from_slice(&[0; 16]);
        assert_eq!(code(&enc), Code::MissingField);
        let mut tail = bytes.clone();
        tail.truncate(bytes.len() - 20 - 6);
        assert_eq!(code(&tail), Code::MissingField);
        let mut unk = tail.clone();
        unk.extend_from_slice(&[0, 9, 0, 0, 0, 0]);
        assert_eq!(code(&unk), Code::UnknownTag);
    }
}
