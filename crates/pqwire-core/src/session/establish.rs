//! The handshake (protocol.md §4) as the way into a [`Session`].

use super::state::{Session, SessionFacts};
use crate::negotiation::Role;
use crate::pqxdh::{
    initiate, respond, FirstMessage, HandshakeOptions, HandshakeReplay, Identity, PrekeySource,
    PublicIdentity, UsedPrekeys,
};
use crate::random::RandomSource;
use crate::Result;

/// What [`Session::accept`] gives the responder.
#[derive(Debug)]
pub struct Accepted {
    /// The new session.
    pub session: Session,
    /// The first message's plaintext.
    pub plaintext: Vec<u8>,
    /// The first message's associated data.
    pub associated_data: Vec<u8>,
    /// The prekeys the handshake used (the one-time ones were consumed).
    pub used_prekeys: UsedPrekeys,
    /// What the replay cache keeps of the handshake (used when no one-time prekey was).
    pub replay: HandshakeReplay,
    /// The initiator's whole identity, verified, to pin: the session keeps only its
    /// fingerprint ([`SessionFacts::peer_identity`]).
    pub peer: PublicIdentity,
}

impl Session {
    /// Starts a session from the peer's encoded prekey bundle: see
    /// [`crate::pqxdh::initiate`] for every check and refusal. Returns the session
    /// and the encoded initial message to send. The bundle's identity is verified, not
    /// pinned: compare [`SessionFacts::peer_identity`] with the pinned one's fingerprint,
    /// or pin the whole identity from [`Session::initiate_with_peer`].
    pub fn initiate(
        identity: &Identity,
        capabilities: &[u8],
        bundle: &[u8],
        first: FirstMessage<'_>,
        options: &HandshakeOptions,
        now: u64,
        rng: &mut dyn RandomSource,
    ) -> Result<(Session, Vec<u8>)> {
        let (session, initial, _) =
            Self::initiate_with_peer(identity, capabilities, bundle, first, options, now, rng)?;
        Ok((session, initial))
    }

    /// [`Session::initiate`], also returning the responder's whole verified identity
    /// (the bundle's), for the caller to pin: the session keeps only its fingerprint.
    pub fn initiate_with_peer(
        identity: &Identity,
        capabilities: &[u8],
        bundle: &[u8],
        first: FirstMessage<'_>,
        options: &HandshakeOptions,
        now: u64,
        rng: &mut dyn RandomSource,
    ) -> Result<(Session, Vec<u8>, PublicIdentity)> {
        let done = initiate(identity, capabilities, bundle, first, options, now, rng)?;
        let facts = SessionFacts::from_handshake(
            Role::Initiator,
            identity.public().key_id(),
            &done.info,
            now,
        );
        Ok((
            Session::from_parts(facts, done.session),
            done.encoded,
            done.info.peer,
        ))
    }

    /// Accepts an encoded initial message: see [`crate::pqxdh::respond`] for every
    /// check and refusal; `prekeys` consumes the one-time prekeys only once the message
    /// authenticated.
    pub fn accept(
        identity: &Identity,
        capabilities: &[u8],
        prekeys: &mut dyn PrekeySource,
        initial_message: &[u8],
        options: &HandshakeOptions,
        now: u64,
    ) -> Result<Accepted> {
        let done = respond(
            identity,
            capabilities,
            prekeys,
            initial_message,
            options,
            now,
        )?;
        let facts = SessionFacts::from_handshake(
            Role::Responder,
            identity.public().key_id(),
            &done.info,
            now,
        );
        Ok(Accepted {
            session: Session::from_parts(facts, done.session),
            plaintext: done.plaintext,
            associated_data: done.associated_data,
            used_prekeys: done.info.prekeys,
            replay: done.replay,
            peer: done.info.peer,
        })
    }
}
