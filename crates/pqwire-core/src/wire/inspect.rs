//! Renders any byte string, valid message or not, as text for logs and debugging: the
//! header, every field read (name, tag, offset, size, value) and, for a bad message,
//! the rule that stopped decoding and where.

use core::fmt::Write;

use super::capabilities::feature_name;
use super::codec::{decode_tracked, encode, Progress};
use super::limits::{FIELD_HEADER_LEN, FIRST_EXTENSION_TAG, HEADER_LEN};
use super::message::MessageType;
use super::ratchet_header::{ChunkKind, PqChunk};
use super::schema::{FieldKind, Value};

/// Renders `bytes` for humans. Never fails; a malformed message shows where and why
/// decoding stopped.
///
/// ```
/// use pqwire_core::wire::{inspect, Capabilities, WireMessage};
/// let text = inspect(&Capabilities::default().encode()?);
/// assert!(text.contains("kexSuites"));
/// assert!(text.contains("X25519+ML-KEM-768"));
/// # Ok::<(), pqwire_core::wire::WireError>(())
/// ```
pub fn inspect(bytes: &[u8]) -> String {
    let mut progress = Progress::default();
    let result = decode_tracked(bytes, &mut progress);
    let mut out = String::new();
    let _ = writeln!(out, "pqwire message, {} bytes", bytes.len());
    if bytes.len() >= HEADER_LEN {
        let type_name = MessageType::from_code(bytes[3]).map_or("unknown", |t| t.name());
        let _ = writeln!(
            out,
            "  header    magic {:?}, version {}, type 0x{:02X} ({type_name})",
            String::from_utf8_lossy(&bytes[..2]),
            bytes[2],
            bytes[3],
        );
    }
    fields(&mut out, bytes, &progress, 0, 0);
    match result {
        Ok(msg) => {
            let canonical = encode(&msg).is_ok_and(|b| b == bytes);
            let _ = writeln!(
                out,
                "valid {} message{}",
                msg.ty.name(),
                if canonical { ", canonical" } else { "" }
            );
        }
        Err(e) => {
            let _ = writeln!(out, "error {}: {e}", e.code.as_str());
            let _ = writeln!(
                out,
                "decoding stopped at offset {}; {} bytes after it not decoded",
                e.offset,
                bytes.len().saturating_sub(e.offset)
            );
        }
    }
    out
}

/// Nested messages nest at most this deep in the rendering (the types nest one level).
const MAX_DEPTH: usize = 4;

/// One line per field read from `bytes`, which start at `base` in the outermost message
/// (offsets are shown from there), indented by `depth`; a nested message's fields follow
/// its line, one level deeper, as far as its decoder read them.
fn fields(out: &mut String, bytes: &[u8], progress: &Progress, base: usize, depth: usize) {
    let indent = "  ".repeat(depth);
    for &(offset, tag, len) in &progress.fields {
        let start = offset + FIELD_HEADER_LEN;
        let value = bytes.get(start..start.saturating_add(len));
        let spec = progress.ty.and_then(|ty| ty.spec().field(tag));
        let (name, rendered) = match (progress.ty, value) {
            (_, _) if tag >= FIRST_EXTENSION_TAG => ("extension", value.map(hex_short)),
            (Some(ty), Some(v)) => match spec {
                // A channel key's configuration string reads as text.
                Some(fs) if fs.name == "config" && v.iter().all(|b| (0x20..0x7F).contains(b)) => {
                    (fs.name, Some(format!("{:?}", String::from_utf8_lossy(v))))
                }
                Some(fs)
                    if ty == MessageType::PrekeyBundle || ty == MessageType::RatchetMessage =>
                {
                    (
                        fs.name,
                        Some(
                            structured(fs.name, v)
                                .unwrap_or_else(|| render(fs.kind, fs.parse(v, offset).ok(), v)),
                        ),
                    )
                }
                Some(fs) => (fs.name, Some(render(fs.kind, fs.parse(v, offset).ok(), v))),
                None => ("?", Some(hex_short(v))),
            },
            (Some(_), None) => (spec.map_or("?", |f| f.name), None),
            (None, _) => ("?", None),
        };
        let _ = writeln!(
            out,
            "  {indent}@{:<7} 0x{tag:04X} {name:<15} {len:>7} B  {}",
            base + offset,
            rendered.unwrap_or_else(|| "(value runs past the end)".into())
        );
        if let (Some(FieldKind::Message(_)), Some(v)) = (spec.map(|f| f.kind), value) {
            let mut inner = Progress::default();
            let _ = decode_tracked(v, &mut inner);
            if inner.ty.is_some() && depth < MAX_DEPTH {
                fields(out, v, &inner, base + start, depth + 1);
            }
        }
    }
}

/// A prekey bundle's prekeys and proofs in words (`leaf i (kind), key …` and `n hashes`),
/// and a ratchet message's post-quantum chunk in its parts (`kind key, seq s, index i,
/// data n B …`).
fn structured(name: &str, v: &[u8]) -> Option<String> {
    match name {
        "pqChunk" => PqChunk::from_bytes(v).map(|c| {
            let kind = match c.kind {
                ChunkKind::Key => "key",
                ChunkKind::Ciphertext => "ciphertext",
            };
            format!(
                "kind {kind}, seq {}, index {}, data {} B {}",
                c.seq,
                c.index,
                c.data.len(),
                hex_short(&c.data)
            )
        }),
        "kemPrekey" | "oneTimePrekey" if v.len() > 4 => {
            let index = u32::from_be_bytes([v[0], v[1], v[2], v[3]]);
            let kind = match (name, index) {
                ("kemPrekey", 0) => " (last-resort)",
                ("kemPrekey", _) => " (one-time)",
                _ => "",
            };
            Some(format!("leaf {index}{kind}, key {}", hex_short(&v[4..])))
        }
        "kemPrekeyProof" | "oneTimePrekeyProof" if v.len().is_multiple_of(32) => {
            Some(format!("{} hashes {}", v.len() / 32, hex_short(v)))
        }
        _ => None,
    }
}

/// A parsed value in words: suite names, feature names, numbers, hex.
fn render(kind: FieldKind, value: Option<Value>, raw: &[u8]) -> String {
    let suites = |role: super::schema::SuiteRole, codes: &[u16]| {
        codes
            .iter()
            .map(|c| {
                role.name_of(*c)
                    .map_or(format!("0x{c:04X} (unknown)"), str::to_string)
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    match (kind, value) {
        (FieldKind::Suite(role), Some(Value::Suite(c))) => suites(role, &[c]),
        (FieldKind::SuiteList(role), Some(Value::Suites(cs))) => suites(role, &cs),
        (FieldKind::VersionList, Some(Value::Versions(v))) => format!("{v:?}"),
        (FieldKind::Features, Some(Value::Uint(bits))) => {
            let names: Vec<String> = (0..32)
                .filter(|b| bits & (1 << b) != 0)
                .map(|b| feature_name(b).map_or(format!("bit {b}"), str::to_string))
                .collect();
            format!("0x{bits:08X} [{}]", names.join(", "))
        }
        (FieldKind::Time, Some(Value::Uint(t))) => format!("{t} (unix seconds)"),
        (_, Some(Value::Uint(v))) => v.to_string(),
        (FieldKind::KeyId | FieldKind::Bytes { .. } | FieldKind::ExactBytes(_), _) => {
            hex_short(raw)
        }
        (FieldKind::Message(ty), Some(_)) => {
            format!("nested {} message ({} bytes)", ty.name(), raw.len())
        }
        (FieldKind::Message(ty), None) => {
            format!(
                "nested {} message ({} bytes, invalid)",
                ty.name(),
                raw.len()
            )
        }
        (_, _) => format!("{} (invalid)", hex_short(raw)),
    }
}

/// Hex of up to 32 bytes, then an ellipsis.
fn hex_short(bytes: &[u8]) -> String {
    if bytes.len() <= 32 {
        hex(bytes)
    } else {
        format!("{}…", hex(&bytes[..32]))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(2 * bytes.len()), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}
