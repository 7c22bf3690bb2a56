//! What a server can read of a connection's first packet before its handshake runs: the
//! key id a Duplex client names. An application that does not list every client key in
//! advance looks the key up by it, and the handshake then proves the client holds it.

use super::config::{HANDSHAKE_PACKET_CAP, HEADER_LEN};
use super::packet::{Flag, Header};
use crate::ratchet::KeyId;
use crate::wire::channel::ConnectRequest;
use crate::wire::WireMessage;

/// What the first bytes of a connection say about the client's key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestedClientKey {
    /// The first packet is not complete yet.
    Incomplete,
    /// The first packet is a connect request naming this client key (Duplex).
    Named(KeyId),
    /// No key named: a Simplex request, or anything that is not a well-formed connect
    /// request, which the channel then refuses as usual.
    None,
}

/// The client key a connection's first bytes name, read without changing anything: the
/// bytes still go to [`Channel::receive`](super::Channel::receive) afterwards.
///
/// ```
/// use pqwire_core::channel::{requested_client_key, RequestedClientKey};
/// assert_eq!(requested_client_key(&[0x01, 0, 0]), RequestedClientKey::Incomplete);
/// assert_eq!(requested_client_key(&[0x7F; 21]), RequestedClientKey::None);
/// ```
pub fn requested_client_key(bytes: &[u8]) -> RequestedClientKey {
    let Some(header) = bytes.first_chunk::<HEADER_LEN>() else {
        return RequestedClientKey::Incomplete;
    };
    let length = match Header::parse(header) {
        Ok(h) if h.flag == Flag::ConnectRequest => h.length as usize,
        _ => return RequestedClientKey::None,
    };
    if length > HANDSHAKE_PACKET_CAP {
        return RequestedClientKey::None;
    }
    let Some(payload) = bytes.get(HEADER_LEN..HEADER_LEN + length) else {
        return RequestedClientKey::Incomplete;
    };
    match ConnectRequest::decode(payload).map(|r| r.client_key_id) {
        Ok(Some(id)) => RequestedClientKey::Named(id),
        _ => RequestedClientKey::None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::wire::channel::CLIENT_RANDOM_LEN;

    fn packet(client_key_id: Option<KeyId>) -> Vec<u8> {
        let payload = ConnectRequest {
            server_key_id: [1; 16],
            capabilities: crate::wire::Capabilities::default().encode().unwrap(),
            mode: if client_key_id.is_some() { 2 } else { 1 },
            client_random: [2; CLIENT_RANDOM_LEN],
            client_key_id,
            extensions: Vec::new(),
        }
        .encode()
        .unwrap();
        let header = Header {
            flag: Flag::ConnectRequest,
            length: payload.len() as u32,
            sequence: 0,
            time: 1,
        };
        [&header.to_bytes()[..], &payload].concat()
    }

    #[test]
    fn reads_the_named_key_once_the_packet_is_complete() {
        let p = packet(Some([9; 16]));
        for cut in [0, 5, HEADER_LEN, p.len() - 1] {
            assert_eq!(
                requested_client_key(&p[..cut]),
                RequestedClientKey::Incomplete
            );
        }
        assert_eq!(requested_client_key(&p), RequestedClientKey::Named([9; 16]));
        // Bytes after the first packet do not matter.
        let more = [&p[..], &[0xAB; 7]].concat();
        assert_eq!(
            requested_client_key(&more),
            RequestedClientKey::Named([9; 16])
        );
    }

    #[test]
    fn anything_else_names_no_key() {
        assert_eq!(
            requested_client_key(&packet(None)),
            RequestedClientKey::None
        );
        let mut p = packet(Some([9; 16]));
        p[0] = Flag::ExchangeRequest.code();
        assert_eq!(requested_client_key(&p), RequestedClientKey::None);
        let p = packet(Some([9; 16]));
        let mut broken = p[..p.len() - 1].to_vec(); // one byte short of its declared length…
        broken[1..5].copy_from_slice(&((p.len() - 1 - HEADER_LEN) as u32).to_be_bytes()); // …but complete
        assert_eq!(requested_client_key(&broken), RequestedClientKey::None);
        let mut huge = packet(Some([9; 16]));
        huge[1..5].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(requested_client_key(&huge), RequestedClientKey::None);
    }
}
