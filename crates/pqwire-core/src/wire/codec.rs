//! The one decoder and the one encoder of the wire format. Decoding fails closed at the
//! first broken rule; encoding runs the same value and cross-field rules, so
//! `encode(decode(b)) == b` for every accepted `b` and an encoder never writes bytes a
//! decoder would refuse.

use super::error::{WireError, WireErrorCode as Code};
use super::limits::{
    FIELD_HEADER_LEN, FIRST_EXTENSION_TAG, HEADER_LEN, MAGIC, MAX_EXTENSIONS, MAX_EXTENSION_LEN,
    MAX_MESSAGE_LEN, SUPPORTED_VERSIONS, VERSION,
};
use super::message::{Extension, Field, Message, MessageType};
use super::schema::{field_error, FieldKind, FieldSpec, Value};

/// Decodes any pqwire message.
///
/// ```
/// use pqwire_core::wire::{self, Capabilities};
/// let caps = Capabilities::default();
/// let bytes = caps.encode()?;
/// let msg = wire::decode(&bytes)?;
/// assert_eq!(msg.ty, wire::MessageType::Capabilities);
/// assert_eq!(wire::encode(&msg)?, bytes);
/// # Ok::<(), wire::WireError>(())
/// ```
pub fn decode(bytes: &[u8]) -> Result<Message, WireError> {
    let mut progress = Progress::default();
    decode_tracked(bytes, &mut progress)
}

/// Decodes a message that must be of type `ty`.
pub fn decode_as(bytes: &[u8], ty: MessageType) -> Result<Message, WireError> {
    let msg = decode(bytes)?;
    if msg.ty != ty {
        return Err(WireError::at(
            Code::UnexpectedType,
            3,
            format!(
                "expected a message of type {}, got {}",
                ty.name(),
                msg.ty.name()
            ),
        ));
    }
    Ok(msg)
}

/// What the decoder read before it stopped: for [`super::inspect`].
#[derive(Debug, Default)]
pub(crate) struct Progress {
    /// The message type, once the header was read.
    pub ty: Option<MessageType>,
    /// `(offset, tag, length)` of every field header read, in order.
    pub fields: Vec<(usize, u16, usize)>,
}

/// The decoder, recording its progress for [`super::inspect`].
pub(crate) fn decode_tracked(bytes: &[u8], progress: &mut Progress) -> Result<Message, WireError> {
    if bytes.len() > MAX_MESSAGE_LEN {
        return Err(WireError::at(
            Code::TooLarge,
            0,
            format!(
                "message of {} bytes, at most {MAX_MESSAGE_LEN}",
                bytes.len()
            ),
        ));
    }
    if bytes.len() >= 2 && bytes[..2] != MAGIC {
        return Err(WireError::at(
            Code::BadMagic,
            0,
            "not a pqwire message (magic is not \"PW\")",
        ));
    }
    let Some((&[_, _, version, type_code], mut body)) = bytes.split_first_chunk::<HEADER_LEN>()
    else {
        return Err(WireError::at(
            Code::Truncated,
            bytes.len(),
            format!("header needs {HEADER_LEN} bytes, got {}", bytes.len()),
        ));
    };
    if !SUPPORTED_VERSIONS.contains(&version) {
        return Err(WireError::at(
            Code::UnsupportedVersion,
            2,
            format!("wire version {version} is not supported (this library reads {VERSION})"),
        ));
    }
    let Some(ty) = MessageType::from_code(type_code) else {
        return Err(WireError::at(
            Code::UnknownType,
            3,
            format!("message type 0x{type_code:02X} is not defined"),
        ));
    };
    progress.ty = Some(ty);
    let spec = ty.spec();
    let mut msg = Message::new(ty);
    let mut offset = HEADER_LEN;
    let mut previous: Option<u16> = None;

    while !body.is_empty() {
        let Some((&[t0, t1, l0, l1, l2, l3], rest)) = body.split_first_chunk::<FIELD_HEADER_LEN>()
        else {
            return Err(WireError::at(
                Code::TrailingBytes,
                offset,
                format!("{} bytes left, too few for a field header", body.len()),
            ));
        };
        let tag = u16::from_be_bytes([t0, t1]);
        let len = u32::from_be_bytes([l0, l1, l2, l3]) as usize;
        progress.fields.push((offset, tag, len));
        let defined = spec.field(tag);
        let name = defined.map(|f| f.name);
        order(previous, tag, offset, name)?;
        previous = Some(tag);

        if tag >= FIRST_EXTENSION_TAG {
            if msg.extensions.len() == MAX_EXTENSIONS {
                return Err(WireError::in_field(
                    Code::TooLarge,
                    offset,
                    tag,
                    None,
                    format!("more than {MAX_EXTENSIONS} extensions"),
                ));
            }
            if len > MAX_EXTENSION_LEN {
                return Err(WireError::in_field(
                    Code::TooLarge,
                    offset,
                    tag,
                    None,
                    format!("extension of {len} bytes, at most {MAX_EXTENSION_LEN}"),
                ));
            }
            let value = take(rest, len, offset, tag, None)?;
            msg.extensions.push(Extension {
                tag,
                value: value.to_vec(),
            });
        } else {
            let Some(field) = defined else {
                return Err(WireError::in_field(
                    Code::UnknownTag,
                    offset,
                    tag,
                    None,
                    format!("tag is not defined for {} messages", spec.name),
                ));
            };
            check_len(field, len, offset)?;
            let value = take(rest, len, offset, tag, name)?;
            let value = field.parse(value, offset)?;
            msg.fields.push(Field { tag, value, offset });
        }
        body = &rest[len..];
        offset += FIELD_HEADER_LEN + len;
    }

    for field in spec.fields.iter().filter(|f| f.required) {
        if msg.get(field.tag).is_none() {
            return Err(WireError::in_field(
                Code::MissingField,
                bytes.len(),
                field.tag,
                Some(field.name),
                "required field is missing",
            ));
        }
    }
    (spec.validate)(&msg).map_err(|e| missing_at_end(e, bytes.len()))?;
    Ok(msg)
}

/// A field that a cross-field rule finds missing is reported at the end of the message,
/// like a missing required field ([`WireError::offset`]).
fn missing_at_end(mut e: WireError, end: usize) -> WireError {
    if e.code == Code::MissingField {
        e.offset = end;
    }
    e
}

/// A field's length against its kind: exact for fixed-size kinds and one of the listed
/// lengths for [`FieldKind::ExactBytes`] (`BAD_LENGTH`), at most the cap (`TOO_LARGE`), at
/// least the minimum (`BAD_LENGTH`).
pub(crate) fn check_len(field: &FieldSpec, len: usize, offset: usize) -> Result<(), WireError> {
    let (min, max) = field.kind.len_range();
    let refuse = |code, detail: String| Err(field_error(code, offset, field, detail));
    if field.kind.fixed_len().is_some() && len != min {
        refuse(Code::BadLength, format!("length {len}, must be {min}"))
    } else if let FieldKind::ExactBytes(lens) = field.kind {
        if lens.contains(&len) {
            Ok(())
        } else {
            refuse(
                Code::BadLength,
                format!("length {len}, must be one of {lens:?}"),
            )
        }
    } else if len > max {
        refuse(Code::TooLarge, format!("length {len}, at most {max}"))
    } else if len < min {
        refuse(Code::BadLength, format!("length {len}, at least {min}"))
    } else {
        Ok(())
    }
}

/// The first `len` bytes of `rest`, or `TRUNCATED`.
fn take<'a>(
    rest: &'a [u8],
    len: usize,
    offset: usize,
    tag: u16,
    name: Option<&'static str>,
) -> Result<&'a [u8], WireError> {
    rest.get(..len).ok_or_else(|| {
        WireError::in_field(
            Code::Truncated,
            offset,
            tag,
            name,
            format!("field declares {len} bytes, {} remain", rest.len()),
        )
    })
}

/// Encodes a message canonically, checking every rule the decoder checks.
///
/// ```
/// use pqwire_core::wire::{self, Message, MessageType, Value};
/// let mut msg = Message::new(MessageType::Envelope);
/// msg.set(0x0001, Value::Uint(7)).set(0x0005, Value::Bytes(b"hi".to_vec()));
/// let bytes = wire::encode(&msg)?;
/// assert_eq!(&bytes[..4], b"PW\x01\x03");
/// # Ok::<(), wire::WireError>(())
/// ```
pub fn encode(msg: &Message) -> Result<Vec<u8>, WireError> {
    let spec = msg.ty.spec();
    let mut out = Vec::with_capacity(encoded_len(msg));
    out.extend_from_slice(&MAGIC);
    out.push(VERSION);
    out.push(msg.ty.code());
    let mut laid_out = msg.clone();
    let mut previous: Option<u16> = None;

    for field in laid_out.fields.iter_mut() {
        let offset = out.len();
        field.offset = offset;
        let Some(fs) = spec.field(field.tag) else {
            return Err(WireError::in_field(
                Code::UnknownTag,
                offset,
                field.tag,
                None,
                format!("tag is not defined for {} messages", spec.name),
            ));
        };
        order(previous, field.tag, offset, Some(fs.name))?;
        previous = Some(field.tag);
        fs.check(&field.value, offset)?;
        let len = fs.value_len(&field.value);
        check_len(fs, len, offset)?;
        write_field(fs, &field.value, &mut out);
    }
    for field in spec.fields.iter().filter(|f| f.required) {
        if laid_out.get(field.tag).is_none() {
            return Err(WireError::in_field(
                Code::MissingField,
                out.len(),
                field.tag,
                Some(field.name),
                "required field is missing",
            ));
        }
    }
    if laid_out.extensions.len() > MAX_EXTENSIONS {
        return Err(WireError::at(
            Code::TooLarge,
            out.len(),
            format!("more than {MAX_EXTENSIONS} extensions"),
        ));
    }
    for ext in &laid_out.extensions {
        let offset = out.len();
        if ext.tag < FIRST_EXTENSION_TAG {
            return Err(WireError::in_field(
                Code::UnknownTag,
                offset,
                ext.tag,
                None,
                "extension tags start at 0xF000",
            ));
        }
        order(previous, ext.tag, offset, None)?;
        previous = Some(ext.tag);
        if ext.value.len() > MAX_EXTENSION_LEN {
            return Err(WireError::in_field(
                Code::TooLarge,
                offset,
                ext.tag,
                None,
                format!(
                    "extension of {} bytes, at most {MAX_EXTENSION_LEN}",
                    ext.value.len()
                ),
            ));
        }
        out.extend_from_slice(&ext.tag.to_be_bytes());
        out.extend_from_slice(&(ext.value.len() as u32).to_be_bytes());
        out.extend_from_slice(&ext.value);
    }
    if out.len() > MAX_MESSAGE_LEN {
        return Err(WireError::at(
            Code::TooLarge,
            0,
            format!("message of {} bytes, at most {MAX_MESSAGE_LEN}", out.len()),
        ));
    }
    (spec.validate)(&laid_out).map_err(|e| missing_at_end(e, out.len()))?;
    Ok(out)
}

/// Appends `tag | length | value`.
fn write_field(fs: &FieldSpec, value: &Value, out: &mut Vec<u8>) {
    let len = u32::try_from(fs.value_len(value)).unwrap_or(u32::MAX);
    out.extend_from_slice(&fs.tag.to_be_bytes());
    out.extend_from_slice(&len.to_be_bytes());
    fs.write_value(value, out);
}

/// The bytes [`encode`] would write for `msg`, without any check: for a typed view that
/// nests a message it holds as a value (the initial message's ratchet message). The
/// outer encoder then checks the nested bytes as the decoder does, so a broken nested
/// message is refused with the decoder's code and nested offset. Fields with a tag the
/// type does not define are left out (a typed view has none).
pub(crate) fn lay_out(msg: &Message) -> Vec<u8> {
    let spec = msg.ty.spec();
    let mut out = Vec::with_capacity(encoded_len(msg));
    out.extend_from_slice(&MAGIC);
    out.push(VERSION);
    out.push(msg.ty.code());
    for field in &msg.fields {
        if let Some(fs) = spec.field(field.tag) {
            write_field(fs, &field.value, &mut out);
        }
    }
    for ext in &msg.extensions {
        let len = u32::try_from(ext.value.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&ext.tag.to_be_bytes());
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&ext.value);
    }
    out
}

/// Tags must ascend strictly.
fn order(
    previous: Option<u16>,
    tag: u16,
    offset: usize,
    name: Option<&'static str>,
) -> Result<(), WireError> {
    match previous {
        Some(p) if p == tag => Err(WireError::in_field(
            Code::DuplicateTag,
            offset,
            tag,
            name,
            "tag repeats the previous field",
        )),
        Some(p) if p > tag => Err(WireError::in_field(
            Code::TagOrder,
            offset,
            tag,
            name,
            format!("tag follows 0x{p:04X}; tags must ascend"),
        )),
        _ => Ok(()),
    }
}

/// The encoded size of `msg` (for preallocation).
fn encoded_len(msg: &Message) -> usize {
    let spec = msg.ty.spec();
    let fields: usize = msg
        .fields
        .iter()
        .map(|f| FIELD_HEADER_LEN + spec.field(f.tag).map_or(0, |fs| fs.value_len(&f.value)))
        .sum();
    let extensions: usize = msg
        .extensions
        .iter()
        .map(|e| FIELD_HEADER_LEN + e.value.len())
        .sum();
    HEADER_LEN + fields + extensions
}
