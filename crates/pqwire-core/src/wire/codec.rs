//! The one decoder and the one encoder of the wire format. Decoding fails closed at the
//! first broken rule; encoding runs the same value and cross-field rules, so
//! `encode(decode(b)) == b` for every accepted `b` and an encoder never writes bytes a
//! decoder would refuse.

use super::error::{WireError, WireErrorCode as Code};
use super::limits::{
    FIELD_HEADER_LEN, FIRST_EXTENSION_TAG, HEADER_LEN, MAX_EXTENSIONS, MAX_EXTENSION_LEN,
    MAX_MESSAGE_LEN,
};
use super::message::{Extension, Field, Message, MessageSpec, MessageType};
use super::schema::{field_error, FieldKind, FieldSpec, Value};
use super::tlv::{check_order, FieldHeader, Reader, Writer};

/// Decodes any pqwire message.
///
/// ```
/// use pqwire_core::wire::{self, Capabilities, WireMessage};
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
    let mut r = Reader::new(bytes);
    let type_code = r.header("message")?;
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
    while let Some(h) = r.field_header()? {
        progress.fields.push((h.offset, h.tag, h.len));
        read_field(&mut r, h, spec, &mut msg).map_err(|e| named(e, spec))?;
    }
    check_required(spec, &msg, bytes.len())?;
    (spec.validate)(&msg).map_err(|e| missing_at_end(e, bytes.len()))?;
    Ok(msg)
}

/// One field, after its header: tag order, then an extension's caps or a defined
/// field's length rule, then the value (all there, and valid for its kind).
fn read_field(
    r: &mut Reader<'_>,
    h: FieldHeader,
    spec: &MessageSpec,
    msg: &mut Message,
) -> Result<(), WireError> {
    r.check_order(&h)?;
    let (offset, tag) = (h.offset, h.tag);
    if tag >= FIRST_EXTENSION_TAG {
        check_extension(msg.extensions.len() + 1, h.len, offset, tag)?;
        let value = r.value(h)?.to_vec();
        msg.extensions.push(Extension { tag, value });
        return Ok(());
    }
    let field = spec
        .field(tag)
        .ok_or_else(|| unknown_tag(spec, offset, tag))?;
    check_len(field, h.len, offset)?;
    let value = field.parse(r.value(h)?, offset)?;
    msg.fields.push(Field { tag, value, offset });
    Ok(())
}

/// The `count`-th extension, of `len` bytes, is within the caps (`TOO_LARGE`).
fn check_extension(count: usize, len: usize, offset: usize, tag: u16) -> Result<(), WireError> {
    let too_large = |detail| {
        Err(WireError::in_field(
            Code::TooLarge,
            offset,
            tag,
            None,
            detail,
        ))
    };
    if count > MAX_EXTENSIONS {
        too_large(format!("more than {MAX_EXTENSIONS} extensions"))
    } else if len > MAX_EXTENSION_LEN {
        too_large(format!(
            "extension of {len} bytes, at most {MAX_EXTENSION_LEN}"
        ))
    } else {
        Ok(())
    }
}

fn unknown_tag(spec: &MessageSpec, offset: usize, tag: u16) -> WireError {
    WireError::in_field(
        Code::UnknownTag,
        offset,
        tag,
        None,
        format!("tag is not defined for {} messages", spec.name),
    )
}

/// Names the field of a framing error (the TLV layer knows tags, not names).
fn named(mut e: WireError, spec: &MessageSpec) -> WireError {
    if e.field.is_none() {
        e.field = e.tag.and_then(|t| spec.field(t)).map(|f| f.name);
    }
    e
}

/// Every required field of `spec` is in `msg` (`MISSING_FIELD` at the end, `end`).
fn check_required(spec: &MessageSpec, msg: &Message, end: usize) -> Result<(), WireError> {
    match spec
        .fields
        .iter()
        .find(|f| f.required && msg.get(f.tag).is_none())
    {
        Some(field) => Err(WireError::in_field(
            Code::MissingField,
            end,
            field.tag,
            Some(field.name),
            "required field is missing",
        )),
        None => Ok(()),
    }
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

/// Encodes a message canonically, checking every rule the decoder checks.
///
/// ```
/// use pqwire_core::wire::{self, Message, MessageType, Value};
/// let mut msg = Message::new(MessageType::Envelope);
/// msg.set(0x0001, Value::Uint(7)).set(0x0005, Value::Bytes(b"hi".to_vec()));
/// let bytes = wire::encode(&msg)?;
/// assert_eq!(&bytes[..4], b"PW\x02\x03");
/// # Ok::<(), wire::WireError>(())
/// ```
pub fn encode(msg: &Message) -> Result<Vec<u8>, WireError> {
    let spec = msg.ty.spec();
    let mut out = Vec::with_capacity(encoded_len(msg));
    let mut laid_out = msg.clone();
    let mut w = Writer::new(&mut out);
    w.header(msg.ty.code());
    let previous = encode_fields(spec, &mut laid_out.fields, &mut w)?;
    check_required(spec, &laid_out, w.len())?;
    encode_extensions(&laid_out.extensions, previous, &mut w)?;
    let end = w.len();
    if end > MAX_MESSAGE_LEN {
        return Err(WireError::at(
            Code::TooLarge,
            0,
            format!("message of {end} bytes, at most {MAX_MESSAGE_LEN}"),
        ));
    }
    (spec.validate)(&laid_out).map_err(|e| missing_at_end(e, end))?;
    Ok(out)
}

/// Writes the defined fields, recording where each starts, with every rule the decoder
/// checks; returns the last tag written.
fn encode_fields(
    spec: &MessageSpec,
    fields: &mut [Field],
    w: &mut Writer<'_>,
) -> Result<Option<u16>, WireError> {
    let mut previous = None;
    for field in fields {
        let offset = w.len();
        field.offset = offset;
        let fs = spec
            .field(field.tag)
            .ok_or_else(|| unknown_tag(spec, offset, field.tag))?;
        check_order(previous, field.tag, offset).map_err(|e| named(e, spec))?;
        previous = Some(field.tag);
        fs.check(&field.value, offset)?;
        check_len(fs, fs.value_len(&field.value), offset)?;
        write_field(fs, &field.value, w);
    }
    Ok(previous)
}

/// Writes the extensions after the defined fields, within their caps.
fn encode_extensions(
    extensions: &[Extension],
    mut previous: Option<u16>,
    w: &mut Writer<'_>,
) -> Result<(), WireError> {
    if extensions.len() > MAX_EXTENSIONS {
        return Err(WireError::at(
            Code::TooLarge,
            w.len(),
            format!("more than {MAX_EXTENSIONS} extensions"),
        ));
    }
    for ext in extensions {
        let offset = w.len();
        if ext.tag < FIRST_EXTENSION_TAG {
            return Err(WireError::in_field(
                Code::UnknownTag,
                offset,
                ext.tag,
                None,
                "extension tags start at 0xF000",
            ));
        }
        check_order(previous, ext.tag, offset)?;
        previous = Some(ext.tag);
        check_extension(0, ext.value.len(), offset, ext.tag)?;
        w.field(ext.tag, &ext.value);
    }
    Ok(())
}

/// Appends `tag | length | value`.
fn write_field(fs: &FieldSpec, value: &Value, w: &mut Writer<'_>) {
    w.field_header(fs.tag, fs.value_len(value));
    fs.write_value(value, w);
}

/// The bytes [`encode`] would write for `msg`, without any check: for a typed view that
/// nests a message it holds as a value (the initial message's ratchet message). The
/// outer encoder then checks the nested bytes as the decoder does, so a broken nested
/// message is refused with the decoder's code and nested offset. Fields with a tag the
/// type does not define are left out (a typed view has none).
pub(crate) fn lay_out(msg: &Message) -> Vec<u8> {
    let spec = msg.ty.spec();
    let mut out = Vec::with_capacity(encoded_len(msg));
    let mut w = Writer::new(&mut out);
    w.header(msg.ty.code());
    for field in &msg.fields {
        if let Some(fs) = spec.field(field.tag) {
            write_field(fs, &field.value, &mut w);
        }
    }
    for ext in &msg.extensions {
        w.field(ext.tag, &ext.value);
    }
    out
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
