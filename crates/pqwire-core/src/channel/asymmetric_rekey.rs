//! The asymmetric ratchet inside an established channel (docs/channel.md §7): a fresh KEM
//! exchange mixed into the channel secret, each direction switching at an in-band marker
//! so that packets in flight never fail.

use super::codes::ChannelCode;
use super::events::{Event, Output};
use super::handshake::{
    check_kem_ciphertext, check_kem_public_key, encapsulate, ephemeral_key, kem_pair_bytes,
};
use super::keys::{self, DirectionKeys, Secret};
use super::packet::Flag;
use super::state::{Channel, ChannelRole};
use crate::kem::KemKeyPair;
use crate::Result;

/// Where this party is in a ratchet.
pub(crate) enum RatchetPhase {
    /// No ratchet of ours in progress.
    Idle,
    /// We sent a request with this key pair and wait for the response.
    Requested(Box<KemKeyPair>),
    /// We answered a request and switched our send direction; the peer's direction
    /// switches to this traffic secret after its finish.
    Responded(Secret),
}

impl RatchetPhase {
    pub(crate) fn is_idle(&self) -> bool {
        matches!(self, RatchetPhase::Idle)
    }

    /// Estimated heap bytes held.
    pub(crate) fn heap_bytes(&self) -> usize {
        match self {
            RatchetPhase::Requested(k) => kem_pair_bytes(k),
            _ => 0,
        }
    }
}

/// Our (send, receive) traffic secrets of a channel secret.
fn directions(role: ChannelRole, cs: &Secret) -> Result<(Secret, Secret)> {
    let (c2s, s2c) = keys::traffic_secrets(cs)?;
    Ok(match role {
        ChannelRole::Client => (c2s, s2c),
        ChannelRole::Server => (s2c, c2s),
    })
}

impl Channel {
    /// Sends a ratchet request, unless a ratchet of ours is in progress.
    pub(crate) fn start_ratchet(&mut self, out: &mut Output, now: u64) {
        let result = (|| -> Result<()> {
            let e = self.established_mut()?;
            if !e.ratchet.is_idle() {
                return Ok(());
            }
            let kem = e.agreement.kem;
            self.auto_rekey(out, now)?;
            let pair = ephemeral_key(kem, self.rng())?;
            let packet = self.sealed_packet(Flag::RatchetRequest, pair.public_key(), now);
            if self.push(out, packet, now) {
                self.established_mut()?.ratchet = RatchetPhase::Requested(Box::new(pair));
            }
            Ok(())
        })();
        if let Err(e) = result {
            self.refuse(out, e, now, false);
        }
    }

    /// A ratchet request: encapsulate, derive `CS'`, answer under the old key, switch our
    /// send direction. Crossing requests: the client's wins (docs/channel.md §7).
    pub(crate) fn on_ratchet_request(
        &mut self,
        out: &mut Output,
        public_key: &[u8],
        now: u64,
    ) -> Result<()> {
        let role = self.role();
        let e = self.established_mut()?;
        match (&e.ratchet, role) {
            // Our own request is pending: as a client, ignore the server's (it drops it).
            (RatchetPhase::Requested(_), ChannelRole::Client) => return Ok(()),
            // As a server, drop ours and answer the client's.
            (RatchetPhase::Requested(_), ChannelRole::Server) | (RatchetPhase::Idle, _) => {}
            (RatchetPhase::Responded(_), _) => {
                return Err(ChannelCode::ProtocolError
                    .error("a ratchet request while the previous ratchet's finish is awaited"))
            }
        }
        let kem = e.agreement.kem;
        check_kem_public_key(kem, public_key)?;
        let enc = encapsulate(kem, public_key, self.rng())?;
        let e = self.established_mut()?;
        let next = keys::ratchet_secret(
            &e.channel_secret,
            &enc.shared_secret,
            public_key,
            &enc.cipher_text,
        )?;
        let (send, recv) = directions(role, &next)?;
        let packet = self.sealed_packet(Flag::RatchetResponse, &enc.cipher_text, now)?;
        self.last_sent_now(now);
        out.transmit.push(packet);
        let e = self.established_mut()?;
        e.send = DirectionKeys::new(send)?;
        e.channel_secret = next;
        e.ratchet = RatchetPhase::Responded(recv);
        Ok(())
    }

    /// A ratchet response: decapsulate, derive `CS'`, switch our receive direction, send
    /// the finish under the old key, switch our send direction.
    pub(crate) fn on_ratchet_response(
        &mut self,
        out: &mut Output,
        ciphertext: &[u8],
        now: u64,
    ) -> Result<()> {
        let role = self.role();
        let e = self.established_mut()?;
        let RatchetPhase::Requested(pair) = &e.ratchet else {
            return Err(ChannelCode::ProtocolError.error("a ratchet response that answers nothing"));
        };
        check_kem_ciphertext(e.agreement.kem, ciphertext)?;
        let ss = pair.decapsulate(ciphertext)?;
        let next = keys::ratchet_secret(&e.channel_secret, &ss, pair.public_key(), ciphertext)?;
        let (send, recv) = directions(role, &next)?;
        e.recv = DirectionKeys::new(recv)?;
        let packet = self.sealed_packet(Flag::RatchetFinish, &[], now)?;
        self.last_sent_now(now);
        out.transmit.push(packet);
        let e = self.established_mut()?;
        e.send = DirectionKeys::new(send)?;
        e.channel_secret = next;
        e.ratchet = RatchetPhase::Idle;
        e.last_ratchet = now;
        out.events.push(Event::Ratchet);
        Ok(())
    }

    /// A ratchet finish: switch our receive direction.
    pub(crate) fn on_ratchet_finish(&mut self, out: &mut Output, now: u64) -> Result<()> {
        let e = self.established_mut()?;
        let phase = core::mem::replace(&mut e.ratchet, RatchetPhase::Idle);
        let RatchetPhase::Responded(recv) = phase else {
            e.ratchet = phase;
            return Err(ChannelCode::ProtocolError.error("a ratchet finish that answers nothing"));
        };
        e.recv = DirectionKeys::new(recv)?;
        e.last_ratchet = now;
        out.events.push(Event::Ratchet);
        Ok(())
    }
}
