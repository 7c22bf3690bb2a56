//! Any byte string through the generic decoder. Checks:
//! - decoding never panics, and an error points inside the input (`offset <= len`);
//! - an accepted message is canonical: `encode(decode(b)) == b`, `decode_as` with its
//!   own type agrees, and its typed view (`Capabilities`, `KeyPackage`, `Envelope`,
//!   `PrekeyBatch`, `PrekeyUpload`, `PrekeyBundle`, `InitialMessage`, `RatchetMessage`,
//!   and the channel's
//!   `ServerPublicKey`, `ConnectRequest`, `ConnectResponse`, `ExchangeRequest`,
//!   `ExchangeResponse`) encodes to the same bytes;
//! - `inspect` never panics and calls an accepted message valid and canonical.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pqwire_core::channel::{
    ConnectRequest, ConnectResponse, ExchangeRequest, ExchangeResponse, ServerPublicKey,
};
use pqwire_core::wire::{
    self, Capabilities, Envelope, InitialMessage, KeyPackage, MessageType, PrekeyBatch,
    PrekeyBundle, PrekeyUpload, RatchetMessage, WireMessage,
};

fuzz_target!(|data: &[u8]| {
    let text = wire::inspect(data);
    match wire::decode(data) {
        Ok(msg) => {
            let encoded = wire::encode(&msg).expect("an accepted message must re-encode");
            assert_eq!(encoded, data, "encode(decode(b)) != b for a {:?}", msg.ty);
            assert_eq!(wire::decode_as(data, msg.ty).as_ref(), Ok(&msg));
            let typed = match msg.ty {
                MessageType::Capabilities => {
                    Capabilities::from_message(&msg).and_then(|v| v.encode())
                }
                MessageType::KeyPackage => KeyPackage::from_message(&msg).and_then(|v| v.encode()),
                MessageType::Envelope => Envelope::from_message(&msg).and_then(|v| v.encode()),
                MessageType::PrekeyBundle => {
                    PrekeyBundle::from_message(&msg).and_then(|v| v.encode())
                }
                MessageType::InitialMessage => {
                    InitialMessage::from_message(&msg).and_then(|v| v.encode())
                }
                MessageType::RatchetMessage => {
                    RatchetMessage::from_message(&msg).and_then(|v| v.encode())
                }
                MessageType::PrekeyBatch => {
                    PrekeyBatch::from_message(&msg).and_then(|v| v.encode())
                }
                MessageType::PrekeyUpload => {
                    PrekeyUpload::from_message(&msg).and_then(|v| v.encode())
                }
                MessageType::ChannelServerKey => {
                    ServerPublicKey::from_message(&msg).and_then(|v| v.encode())
                }
                MessageType::ConnectRequest => {
                    ConnectRequest::from_message(&msg).and_then(|v| v.encode())
                }
                MessageType::ConnectResponse => {
                    ConnectResponse::from_message(&msg).and_then(|v| v.encode())
                }
                MessageType::ExchangeRequest => {
                    ExchangeRequest::from_message(&msg).and_then(|v| v.encode())
                }
                MessageType::ExchangeResponse => {
                    ExchangeResponse::from_message(&msg).and_then(|v| v.encode())
                }
            };
            assert_eq!(
                typed.as_deref(),
                Ok(data),
                "typed view of a {:?} does not round-trip",
                msg.ty
            );
            let verdict = format!("valid {} message, canonical", msg.ty.name());
            assert!(
                text.contains(&verdict),
                "inspect does not say {verdict:?}:\n{text}"
            );
        }
        Err(err) => {
            assert!(
                err.offset <= data.len(),
                "error offset {} past the input ({} bytes): {err}",
                err.offset,
                data.len()
            );
            assert!(
                text.contains(err.code.as_str()),
                "inspect does not show {}:\n{text}",
                err.code.as_str()
            );
        }
    }
});
