//! Wire-format bindings: the generic message as a list of named fields, converted by
//! field kind only (the field tables live in core). A broken rule is thrown with its
//! code, offset, tag and field (errors.rs).

use crate::js_bytes::Bytes;
use napi::bindgen_prelude::{Either, Uint8Array};
use napi_derive::napi;
use pqwire_core::record::{self, RecordReader};
use pqwire_core::wire::{
    self, feature_bit, feature_name, Extension, FieldKind, Message, MessageType, Value,
};
use pqwire_core::Error;

use crate::errors::{js, to_js, Failure};

/// A list entry: a name (suite or feature) or a number (unknown code, version, bit).
pub type Entry = Either<String, u32>;

/// One field as JavaScript sees it: exactly one of the value members is set.
#[napi(object)]
pub struct WireField {
    pub name: String,
    pub tag: u32,
    pub offset: u32,
    pub number: Option<f64>,
    pub bytes: Option<Uint8Array>,
    pub text: Option<String>,
    pub list: Option<Vec<Either<String, u32>>>,
}

/// An extension field (tag 0xF000 and up), kept as opaque bytes.
#[napi(object)]
pub struct WireExtension {
    pub tag: u32,
    pub value: Uint8Array,
}

/// A decoded message.
#[napi(object)]
pub struct WireMessage {
    #[napi(js_name = "type")]
    pub message_type: String,
    pub version: u32,
    pub fields: Vec<WireField>,
    pub extensions: Vec<WireExtension>,
}

/// Decodes any pqwire message; a broken rule throws its code with `offset`, `tag`, `field`.
#[napi(catch_unwind)]
pub fn wire_decode(bytes: &[u8]) -> napi::Result<WireMessage> {
    Ok(to_js_message(&js(wire::decode(bytes))?))
}

/// The prekey ids an initial message names.
#[napi(object, object_from_js = false)]
pub struct InitialMessagePrekeyIds {
    #[napi(ts_type = "Uint8Array")]
    pub signed_prekey_id: Option<Bytes>,
    #[napi(ts_type = "Uint8Array")]
    pub kem_prekey_id: Option<Bytes>,
    #[napi(ts_type = "Uint8Array")]
    pub one_time_prekey_id: Option<Bytes>,
}

/// What `acceptSession` needs before the handshake: the ids of the responder's prekeys an
/// initial message names, to look their secrets up. The message is decoded and checked
/// as `wireDecode` does, and must be an initial message (`UNEXPECTED_TYPE`); only the ids
/// cross into JavaScript, where the whole message as values would cost a noticeable share
/// of an accept (benches/README.md).
#[napi(catch_unwind)]
pub fn wire_initial_message_prekey_ids(bytes: &[u8]) -> napi::Result<InitialMessagePrekeyIds> {
    use pqwire_core::wire::tags::initial_message::{
        TAG_KEM_PREKEY_ID, TAG_ONE_TIME_PREKEY_ID, TAG_SIGNED_PREKEY_ID,
    };
    let msg = js(wire::decode_as(bytes, MessageType::InitialMessage))?;
    let id = |tag| msg.opt_key_id(tag).map(|id| Bytes::copy(&id));
    Ok(InitialMessagePrekeyIds {
        signed_prekey_id: id(TAG_SIGNED_PREKEY_ID),
        kem_prekey_id: id(TAG_KEM_PREKEY_ID),
        one_time_prekey_id: id(TAG_ONE_TIME_PREKEY_ID),
    })
}

/// Encodes a message of `message_type` from named fields; a broken rule throws as in
/// `wireDecode`.
#[napi(catch_unwind, ts_return_type = "Uint8Array")]
pub fn wire_encode(
    message_type: String,
    fields: Vec<WireField>,
    extensions: Vec<WireExtension>,
) -> napi::Result<Bytes> {
    let msg = from_js_message(&message_type, fields, extensions)?;
    Ok(Bytes::from(js(wire::encode(&msg))?))
}

/// Renders any bytes for humans: a wire message field by field; a record (a session's
/// state, an identity's or a prekey's secrets, a channel server key file) by its type and
/// whether its framing holds, never its fields, which hold secrets.
#[napi(catch_unwind)]
pub fn wire_inspect(bytes: &[u8]) -> napi::Result<String> {
    Ok(match record_type(bytes) {
        Some((code, name)) => inspect_record(bytes, code, name),
        None => wire::inspect(bytes),
    })
}

/// The record type of `bytes`, when they start like a record (magic and a record type).
fn record_type(bytes: &[u8]) -> Option<(u8, &'static str)> {
    let (&[m0, m1, _, code], _) = bytes.split_first_chunk::<4>()?;
    if [m0, m1] != wire::limits::MAGIC {
        return None;
    }
    record::type_name(code).map(|name| (code, name))
}

fn inspect_record(bytes: &[u8], code: u8, name: &str) -> String {
    let verdict = match RecordReader::new(bytes, code) {
        Ok(_) => format!("{name} record, framing and checksum intact"),
        Err(e) => format!("error {}: {e}", e.code.as_str()),
    };
    format!(
        "pqwire record, {} bytes\n  header    magic \"PW\", version {}, type 0x{code:02X} ({name} record)\n  \
         fields    not shown: a record holds secret keys\n{verdict}\n",
        bytes.len(),
        bytes[2],
    )
}

fn to_js_message(msg: &Message) -> WireMessage {
    let spec = msg.ty.spec();
    let fields = msg
        .fields
        .iter()
        .filter_map(|f| {
            let fs = spec.field(f.tag)?;
            let mut out = WireField {
                name: fs.name.to_string(),
                tag: f.tag.into(),
                offset: f.offset as u32,
                number: None,
                bytes: None,
                text: None,
                list: None,
            };
            match (&f.value, fs.kind) {
                (Value::Uint(bits), FieldKind::Features) => {
                    out.list = Some(feature_entries(*bits as u32))
                }
                (Value::Uint(v), _) => out.number = Some(*v as f64),
                (Value::Bytes(b), _) => out.bytes = Some(Uint8Array::new(b.clone())),
                (Value::Suite(c), FieldKind::Suite(role)) => {
                    out.text = role.name_of(*c).map(str::to_string)
                }
                (Value::Suites(cs), FieldKind::SuiteList(role)) => {
                    out.list = Some(
                        cs.iter()
                            .map(|c| match role.name_of(*c) {
                                Some(n) => Either::A(n.to_string()),
                                None => Either::B((*c).into()),
                            })
                            .collect(),
                    )
                }
                (Value::Versions(v), _) => {
                    out.list = Some(v.iter().map(|v| Either::B((*v).into())).collect())
                }
                _ => {}
            }
            Some(out)
        })
        .collect();
    WireMessage {
        message_type: msg.ty.name().to_string(),
        version: wire::limits::VERSION.into(),
        fields,
        extensions: msg
            .extensions
            .iter()
            .map(|e| WireExtension {
                tag: e.tag.into(),
                value: Uint8Array::new(e.value.clone()),
            })
            .collect(),
    }
}

/// Feature bits as names, or bit numbers for bits wire version 1 does not define.
pub(crate) fn feature_entries(bits: u32) -> Vec<Entry> {
    (0..32u32)
        .filter(|b| bits & (1 << b) != 0)
        .map(|b| match feature_name(b) {
            Some(n) => Either::A(n.to_string()),
            None => Either::B(b),
        })
        .collect()
}

fn invalid(what: &'static str) -> napi::Error {
    to_js(Error::InvalidArgument { what })
}

fn from_js_message(
    message_type: &str,
    fields: Vec<WireField>,
    extensions: Vec<WireExtension>,
) -> napi::Result<Message> {
    let ty = MessageType::from_name(message_type)
        .ok_or_else(|| invalid("type must be the name of a wire message type"))?;
    let spec = ty.spec();
    let mut msg = Message::new(ty);
    for f in fields {
        let Some(fs) = spec.field_named(&f.name) else {
            let name: String = f.name.chars().take(64).collect();
            return Err(to_js(Failure::invalid_argument(format!(
                "{} messages have no field {name:?}",
                spec.name
            ))));
        };
        let value = match fs.kind {
            FieldKind::U8 | FieldKind::U16 | FieldKind::U32 | FieldKind::Time => Value::Uint(
                whole_number(f.number.ok_or_else(|| wrong_type(fs.name, "a number"))?)?,
            ),
            FieldKind::KeyId
            | FieldKind::Bytes { .. }
            | FieldKind::ExactBytes(_)
            | FieldKind::Message(_) => Value::Bytes(
                f.bytes
                    .ok_or_else(|| wrong_type(fs.name, "a Uint8Array"))?
                    .to_vec(),
            ),
            FieldKind::Suite(role) => match (f.text, f.number) {
                (Some(name), _) => Value::Suite(js(role.code_of(&name))?),
                (None, Some(n)) => Value::Suite(code16(whole_number(n)?)?),
                _ => return Err(wrong_type(fs.name, "a suite name")),
            },
            FieldKind::SuiteList(role) => Value::Suites(
                list(f.list, fs.name)?
                    .into_iter()
                    .map(|e| match e {
                        Either::A(name) => js(role.code_of(&name)),
                        Either::B(code) => code16(code.into()),
                    })
                    .collect::<napi::Result<_>>()?,
            ),
            FieldKind::VersionList => Value::Versions(
                list(f.list, fs.name)?
                    .into_iter()
                    .map(|e| match e {
                        Either::B(v) if v <= 0xFF => Ok(v as u8),
                        Either::B(_) => Err(invalid("versions must be integers from 0 to 255")),
                        Either::A(_) => Err(wrong_type(fs.name, "an array of integers")),
                    })
                    .collect::<napi::Result<_>>()?,
            ),
            FieldKind::Features => Value::Uint(
                list(f.list, fs.name)?
                    .into_iter()
                    .map(|e| match e {
                        Either::A(name) => {
                            feature_bit(&name).ok_or_else(|| invalid("unknown feature name"))
                        }
                        Either::B(bit) if bit < 32 => Ok(bit),
                        Either::B(_) => Err(invalid("feature bits run from 0 to 31")),
                    })
                    .try_fold(0u64, |acc, bit| bit.map(|b| acc | (1 << b)))?,
            ),
        };
        if msg.get(fs.tag).is_some() {
            return Err(invalid("a field is given twice"));
        }
        msg.set(fs.tag, value);
    }
    msg.extensions = extensions
        .into_iter()
        .map(|e| {
            Ok(Extension {
                tag: code16(e.tag.into())?,
                value: e.value.to_vec(),
            })
        })
        .collect::<napi::Result<_>>()?;
    Ok(msg)
}

/// A JavaScript value of the wrong type for the field: `INVALID_TYPE`, as the facade
/// reports wrong types everywhere else.
fn wrong_type(field: &str, needed: &str) -> napi::Error {
    to_js(Failure::wrong_type(format!("{field} must be {needed}")))
}

fn list(l: Option<Vec<Entry>>, field: &str) -> napi::Result<Vec<Entry>> {
    l.ok_or_else(|| wrong_type(field, "an array"))
}

fn whole_number(v: f64) -> napi::Result<u64> {
    if v.fract() == 0.0 && (0.0..=9_007_199_254_740_991.0).contains(&v) {
        Ok(v as u64)
    } else {
        Err(invalid("a number field needs a non-negative safe integer"))
    }
}

fn code16(v: u64) -> napi::Result<u16> {
    u16::try_from(v).map_err(|_| invalid("codes and tags are integers from 0 to 65535"))
}
