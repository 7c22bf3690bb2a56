//! What a channel step gives JavaScript: packets to write, data received, and typed
//! events (codes, directions and the agreed suites as values, not text).

use crate::task::IntoJs;
use napi::bindgen_prelude::Uint8Array;
use napi_derive::napi;
use pqwire_core::channel::{ChannelSuites, Direction, Event, Output, CHANNEL_VERSION};

/// The suites a channel agreed on.
#[napi(object)]
pub struct NativeChannelSuites {
    pub kem: String,
    pub sig: String,
    pub aead: String,
}

/// One event of a channel.
#[napi(object)]
pub struct NativeChannelEvent {
    #[napi(
        js_name = "type",
        ts_type = "'secure' | 'rekey' | 'ratchet' | 'keepalive' | 'close' | 'error'"
    )]
    pub kind: String,
    /// `error`: the error code; `close`: `NORMAL` or the code of the error before it.
    pub code: Option<String>,
    /// `error`: what was refused, in words.
    pub message: Option<String>,
    /// `error` events only: `true` when the peer reported the error in an authenticated
    /// (sealed) error packet; `false` when this side refused something, or when an
    /// unauthenticated (plaintext) error packet ended the handshake.
    pub remote: Option<bool>,
    /// `rekey` and `keepalive`: our sending or our receiving direction.
    #[napi(ts_type = "'send' | 'receive'")]
    pub direction: Option<String>,
    /// `secure`: the suites agreed on.
    pub suites: Option<NativeChannelSuites>,
}

/// What a channel call produced.
#[napi(object)]
pub struct NativeChannelOutput {
    /// Packets to write, in order.
    pub transmit: Vec<Uint8Array>,
    /// Application data received, in order.
    pub received: Vec<Uint8Array>,
    pub events: Vec<NativeChannelEvent>,
    pub closed: bool,
}

fn event(e: &Event) -> NativeChannelEvent {
    let mut out = NativeChannelEvent {
        kind: e.kind().to_string(),
        code: e.code().map(str::to_string),
        message: None,
        remote: None,
        direction: None,
        suites: None,
    };
    match e {
        Event::Error {
            message, remote, ..
        } => {
            out.message = Some(message.clone());
            out.remote = Some(*remote);
        }
        Event::Rekey(d) | Event::KeepAlive(d) => out.direction = Some(direction(*d)),
        Event::Secure { suites } => out.suites = agreed(suites),
        Event::Ratchet | Event::Close { .. } => {}
    }
    out
}

/// The suites of a `secure` event (`<KEM> <SIG> <AEAD>`, the tail of a configuration
/// string), read by the core's own parser.
fn agreed(suites: &str) -> Option<NativeChannelSuites> {
    let s = ChannelSuites::parse(&format!("{CHANNEL_VERSION} {suites}")).ok()?;
    Some(NativeChannelSuites {
        kem: s.kem.name().to_string(),
        sig: s.sig.name().to_string(),
        aead: s.aead.name().to_string(),
    })
}

fn direction(d: Direction) -> String {
    d.name().to_string()
}

impl IntoJs for Output {
    type Js = NativeChannelOutput;
    fn into_js(self) -> NativeChannelOutput {
        NativeChannelOutput {
            transmit: self.transmit.into_iter().map(Uint8Array::new).collect(),
            received: self.received.into_iter().map(Uint8Array::new).collect(),
            events: self.events.iter().map(event).collect(),
            closed: self.closed,
        }
    }
}
