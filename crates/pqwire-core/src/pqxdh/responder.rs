//! The responder's side of the handshake (protocol.md §4.3): from an initial message to
//! a ratchet session, consuming the one-time prekeys only once the message authenticated.

use super::identity::{Identity, PublicIdentity};
use super::package;
use super::prekeys::{PrekeyKind, PrekeySecret};
use super::source::{HandshakeReplay, PrekeySource, UsedPrekeys};
use super::transcript::{self, TranscriptInput, LABEL_INITIATOR};
use super::{suites, HandshakeInfo, HandshakeOptions};
use crate::negotiation::{negotiate, Agreement, Policy, Role};
use crate::ratchet::{KeyId, RatchetState};
use crate::wire::{Capabilities, InitialMessage, WireMessage};
use crate::{kem, x25519, Error, KemSuite, Result, SecretBytes, SigSuite};

/// What [`respond`] gives: the session, the first message and the peer's identity.
#[derive(Debug)]
pub struct Responded {
    /// The responder's ratchet session, after the first message.
    pub session: RatchetState,
    /// The first message's plaintext.
    pub plaintext: Vec<u8>,
    /// The first message's associated data (authenticated, not encrypted).
    pub associated_data: Vec<u8>,
    /// Suites, transcript hash, session id, the prekeys used and the initiator's
    /// identity ([`HandshakeInfo::peer`]), verified but not pinned: pinning (trust on
    /// first use, `IdentityChangedError`) is the identity store's.
    pub info: HandshakeInfo,
    /// What a replay cache keeps of this handshake when it used no one-time prekey.
    pub replay: HandshakeReplay,
}

/// Looks up `id` for a role that accepts `kinds`: `UNKNOWN_KEY` when the source has no
/// such key (or holds it for another role), `KEY_EXPIRED` outside its validity.
fn lookup(
    source: &dyn PrekeySource,
    id: &KeyId,
    kinds: &[PrekeyKind],
    now: u64,
    what: &'static str,
) -> Result<PrekeySecret> {
    let secret = source
        .get(id)?
        .filter(|s| s.key_id() == *id && kinds.contains(&s.kind()))
        .ok_or(Error::UnknownKey { what })?;
    package::check_validity(secret.package(), now, what)?;
    Ok(secret)
}

/// Accepts an initial message (protocol.md §4.3).
///
/// `identity` and `capabilities` are ours — the capabilities exactly as encoded in the
/// bundle the initiator used; `prekeys` finds our prekey secrets; `now` unix seconds.
///
/// In order: decode (wire errors; `MISSING_FIELD` without the transcript signature,
/// which is always required; an extension field in the initial message or
/// in its first ratchet message is `UNKNOWN_TAG`, since nothing authenticates it);
/// negotiate as responder (`DowngradeError` codes; `PQ_REQUIRED` for a classical-only
/// handshake under `pq-required`, or when both capability lists offer ML-KEM); look up
/// the prekeys (`UNKNOWN_KEY`, `KEY_EXPIRED`); check that the suites the message implies
/// fit both capability lists (`TRANSCRIPT_MISMATCH`) and the policy (`PQ_REQUIRED`);
/// check the initiator's identity package (`INVALID_KEY`, `KEY_EXPIRED`); the
/// KEM ciphertext's length (`BAD_LENGTH`); recompute `TH` and verify the initiator's
/// hybrid transcript signature over it (`AUTH_FAILED`: this also binds the initiator's
/// `IKdh` to its `IKsig`); derive the keys and decrypt the
/// embedded ratchet message (`AUTH_FAILED` and the ratchet's errors). Only then is
/// [`PrekeySource::consume`] called — whose `PREKEY_REUSED` (a one-time prekey used
/// before) or `REPLAYED` (a handshake without one-time prekeys seen before) refuses the
/// session. Any error consumes nothing.
///
/// A different capability list or policy than the initiator saw gives a different
/// negotiation transcript, and so `AUTH_FAILED`.
pub fn respond(
    identity: &Identity,
    capabilities: &[u8],
    prekeys: &mut dyn PrekeySource,
    initial_message: &[u8],
    options: &HandshakeOptions,
    now: u64,
) -> Result<Responded> {
    let msg = InitialMessage::decode(initial_message)?;
    msg.refuse_extensions()?;
    msg.message.refuse_extensions()?;
    let agreement = negotiate(
        capabilities,
        &msg.capabilities,
        Role::Responder,
        &options.policy,
    )?;
    let ours = Capabilities::decode(capabilities)?;
    let theirs = Capabilities::decode(&msg.capabilities)?;
    let keys = look_up(&*prekeys, &msg, now)?;
    let agreed = Agreed::check(
        identity,
        &msg,
        &keys,
        agreement,
        (&ours, &theirs),
        &options.policy,
    )?;
    verify_initiator(identity, &msg, &agreed, now)?;
    let (spk_secret, dh, ss) = exchange(identity, &msg, &keys, &agreed)?;

    let kem = agreed.kem;
    let spk_public = &keys.signed_prekey.package().public_key;
    let th = authenticate(identity, &msg, &agreed, spk_public)?;
    let dh: Vec<&SecretBytes> = dh.iter().collect();
    let root = transcript::root_keys(&th, &dh, ss.as_ref(), kem)?;
    let init = root.ratchet_init(kem, agreed.agreement.aead, options.ratchet_config(kem), now);
    let session_id = init.session_id;
    let mut session = RatchetState::init_responder(init, spk_secret.secret().expose())?;
    let body = &msg.message;
    let plaintext = session.decrypt(&body.header, &body.ciphertext, now)?;

    let (used, replay) = keys.used(&msg, session_id);
    prekeys.consume(&used, &replay)?;
    Ok(Responded {
        session,
        plaintext,
        associated_data: body.header.associated_data.clone(),
        info: HandshakeInfo {
            kem,
            post_quantum: keys.kem_prekey.is_some(),
            agreement: agreed.agreement,
            transcript_hash: th,
            session_id,
            hybrid_auth: agreed.peer_suite.is_post_quantum(),
            prekeys: used,
            peer: agreed.peer,
        },
        replay,
    })
}

/// Our prekey secrets the initial message names.
struct OurPrekeys {
    signed_prekey: PrekeySecret,
    kem_prekey: Option<PrekeySecret>,
    one_time_prekey: Option<PrekeySecret>,
}

/// Looks up the signed prekey, the KEM prekey and the one-time prekey the message names.
fn look_up(source: &dyn PrekeySource, msg: &InitialMessage, now: u64) -> Result<OurPrekeys> {
    let signed_prekey = lookup(
        source,
        &msg.signed_prekey_id,
        &[PrekeyKind::Signed],
        now,
        "signed prekey",
    )?;
    let kem_kinds = [PrekeyKind::OneTimeKem, PrekeyKind::LastResortKem];
    let kem_prekey = msg
        .kem_prekey_id
        .map(|id| lookup(source, &id, &kem_kinds, now, "KEM prekey"))
        .transpose()?;
    let one_time_prekey = msg
        .one_time_prekey_id
        .map(|id| lookup(source, &id, &[PrekeyKind::OneTime], now, "one-time prekey"))
        .transpose()?;
    Ok(OurPrekeys {
        signed_prekey,
        kem_prekey,
        one_time_prekey,
    })
}

impl OurPrekeys {
    /// The prekeys to consume, and what a replay cache keeps: a replay is refusable only
    /// while every key it needs still opens it.
    fn used(&self, msg: &InitialMessage, session_id: [u8; 32]) -> (UsedPrekeys, HandshakeReplay) {
        let spk_expires = self.signed_prekey.package().expires;
        let used = UsedPrekeys {
            signed_prekey: msg.signed_prekey_id,
            kem_prekey: self.kem_prekey.as_ref().map(|k| (k.key_id(), k.kind())),
            one_time_prekey: msg.one_time_prekey_id,
        };
        let replay = HandshakeReplay {
            session_id,
            until: self
                .kem_prekey
                .as_ref()
                .map_or(spk_expires, |k| k.package().expires.min(spk_expires)),
        };
        (used, replay)
    }
}

/// What the initiator's message, both capability lists and the policy agree on.
struct Agreed {
    agreement: Agreement,
    kem: KemSuite,
    /// The initiator's identity (not verified yet).
    peer: PublicIdentity,
    peer_suite: SigSuite,
}

impl Agreed {
    /// The suites the message implies fit both capability lists (`TRANSCRIPT_MISMATCH`)
    /// and the policy (`PQ_REQUIRED`).
    fn check(
        identity: &Identity,
        msg: &InitialMessage,
        keys: &OurPrekeys,
        agreement: Agreement,
        (ours, theirs): (&Capabilities, &Capabilities),
        policy: &Policy,
    ) -> Result<Self> {
        let kem_prekey_suite = keys.kem_prekey.as_ref().map(PrekeySecret::suite);
        let kem = suites::session_kem(kem_prekey_suite, &agreement, theirs, ours, policy)
            .map_err(suites::as_mismatch)?;
        let peer = PublicIdentity::from_parts(
            msg.identity_sig_key.clone(),
            msg.identity_sig_key_encoded.clone(),
            &msg.identity_dh_key,
        );
        let peer_suite = peer.suite()?;
        suites::check_identity(peer_suite, theirs, ours, policy).map_err(suites::as_mismatch)?;
        suites::check_identity(identity.suite(), theirs, ours, policy)
            .map_err(suites::as_mismatch)?;
        Ok(Agreed {
            agreement,
            kem,
            peer,
            peer_suite,
        })
    }
}

/// The initiator's identity verifies and both identities are valid now; the KEM
/// ciphertext has the session KEM's length.
fn verify_initiator(
    identity: &Identity,
    msg: &InitialMessage,
    agreed: &Agreed,
    now: u64,
) -> Result<()> {
    agreed.peer.verify()?;
    agreed.peer.check_validity(now)?;
    identity.public().check_validity(now)?;
    if let Some(ct) = &msg.kem_ciphertext {
        Error::check_len(
            "handshake KEM ciphertext",
            kem::backend(agreed.kem).lengths().cipher_text,
            ct.len(),
        )?;
    }
    Ok(())
}

/// `TH`, and the initiator's transcript signature over it.
fn authenticate(
    identity: &Identity,
    msg: &InitialMessage,
    agreed: &Agreed,
    signed_prekey: &[u8],
) -> Result<[u8; 32]> {
    let th = transcript::transcript_hash(&TranscriptInput {
        negotiation: &agreed.agreement.transcript_hash,
        kem: agreed.kem,
        sig: agreed.agreement.sig,
        aead: agreed.agreement.aead,
        initiator: &agreed.peer,
        responder: identity.public(),
        signed_prekey_key: signed_prekey,
        signed_prekey: &msg.signed_prekey_id,
        kem_prekey: msg.kem_prekey_id.as_ref(),
        one_time_prekey: msg.one_time_prekey_id.as_ref(),
        ephemeral_key: &msg.ephemeral_key,
        kem_ciphertext: msg.kem_ciphertext.as_deref().unwrap_or_default(),
    });
    // Always: the DH values alone authenticate the initiator only against a classical
    // adversary who holds neither its IKdh secret nor our SPK secret (protocol.md §4.3).
    package::verify(
        agreed.peer_suite,
        &agreed.peer.sig_key.public_key,
        LABEL_INITIATOR,
        &th,
        &msg.transcript_signature,
    )?;
    Ok(th)
}

/// Our signed prekey loaded, DH1..DH4, and the KEM shared secret.
type ResponderSecrets = (x25519::StaticSecret, Vec<SecretBytes>, Option<SecretBytes>);

/// DH1..DH4 with our keys and the initiator's, and the decapsulation of its ciphertext.
fn exchange(
    identity: &Identity,
    msg: &InitialMessage,
    keys: &OurPrekeys,
    agreed: &Agreed,
) -> Result<ResponderSecrets> {
    // Loaded once for its two agreements.
    let spk_secret = x25519::StaticSecret::from_bytes(keys.signed_prekey.secret_key().expose())?;
    let mut dh = vec![
        spk_secret.shared_secret(agreed.peer.dh_public_key())?,
        identity.dh_key().shared_secret(&msg.ephemeral_key)?,
        spk_secret.shared_secret(&msg.ephemeral_key)?,
    ];
    if let Some(opk) = &keys.one_time_prekey {
        dh.push(x25519::shared_secret(
            opk.secret_key().expose(),
            &msg.ephemeral_key,
        )?);
    }
    let ss = match (&keys.kem_prekey, &msg.kem_ciphertext) {
        (Some(k), Some(ct)) => {
            Some(kem::backend(agreed.kem).decapsulate(ct, k.secret_key().expose())?)
        }
        _ => None,
    };
    Ok((spk_secret, dh, ss))
}
