//! The online channel's wire messages (docs/channel.md §3.2, §5.1): the server key
//! clients pin (`0x20`) and the four handshake messages (`0x21`–`0x24`). The channel
//! state machine (the `channel` module) sends and reads them; their structure is here,
//! with every other message type's.
//!
//! ```
//! use pqwire_core::wire::{Capabilities, ConnectRequest, WireErrorCode, WireMessage};
//! let request = ConnectRequest {
//!     server_key_id: [7; 16],
//!     capabilities: Capabilities::default().encode()?,
//!     mode: 1,
//!     client_random: [9; 32],
//!     client_key_id: None,
//!     extensions: Vec::new(),
//! };
//! let bytes = request.encode()?;
//! assert_eq!(bytes[3], 0x21);
//! assert_eq!(ConnectRequest::decode(&bytes)?, request);
//! // A Duplex request names the client's key.
//! let duplex = ConnectRequest { mode: 2, ..request };
//! assert_eq!(duplex.encode().unwrap_err().code, WireErrorCode::MissingField);
//! # Ok::<(), pqwire_core::wire::WireError>(())
//! ```

pub(crate) mod connect_request;
pub(crate) mod connect_response;
pub(crate) mod exchange_request;
pub(crate) mod exchange_response;
pub(crate) mod server_key;

pub use connect_request::{ConnectRequest, CLIENT_RANDOM_LEN};
pub use connect_response::ConnectResponse;
pub use exchange_request::ExchangeRequest;
pub use exchange_response::{ExchangeResponse, CONFIRMATION_LEN};
pub use server_key::{ChannelSuites, CHANNEL_VERSION, DEFAULT_CONFIG, MAX_CONFIG_LEN};

use super::limits::{KEM_CIPHERTEXT_LENS, KEM_PUBLIC_KEY_LENS};
use super::schema::FieldKind;

/// An ephemeral KEM public key of any KEM suite (the configuration fixes which).
const EPHEMERAL_KEY: FieldKind = FieldKind::ExactBytes(&KEM_PUBLIC_KEY_LENS);
/// A KEM ciphertext of any KEM suite.
const KEM_CIPHERTEXT: FieldKind = FieldKind::ExactBytes(&KEM_CIPHERTEXT_LENS);
