//! The initiator's side of the handshake (protocol.md §4.1): from a prekey bundle to an
//! initial message and a ratchet session.

use zeroize::Zeroizing;

use super::identity::{Identity, PublicIdentity};
use super::package::{self, LABEL_PREKEY};
use super::prekeys::PrekeyKind;
use super::source::UsedPrekeys;
use super::transcript::{self, TranscriptInput, LABEL_INITIATOR};
use super::{suites, FirstMessage, HandshakeInfo, HandshakeOptions};
use crate::negotiation::{negotiate, Role};
use crate::random::RandomSource;
use crate::ratchet::RatchetState;
use crate::wire::{
    Capabilities, InitialMessage, PackageSuite, PrekeyBundle, RatchetMessage, SignedKey,
    WireMessage,
};
use crate::{kem, x25519, Error, KemSuite, Result, SecretBytes};

/// What [`initiate`] gives: the initial message to send, the session, and what was
/// agreed.
#[derive(Debug)]
pub struct Initiated {
    /// The initial message, as a typed value.
    pub message: InitialMessage,
    /// Its encoding: the bytes to send.
    pub encoded: Vec<u8>,
    /// The initiator's ratchet session, after the first message.
    pub session: RatchetState,
    /// Suites, transcript hash, session id and the prekeys used.
    pub info: HandshakeInfo,
}

/// The suite of a KEM key package (the bundle's rules guarantee one).
fn kem_suite(key: &SignedKey) -> Result<KemSuite> {
    match key.key.suite {
        PackageSuite::Kem(s) => Ok(s),
        PackageSuite::Sig(_) => Err(Error::InvalidKey {
            what: "prekey is not a KEM key",
        }),
    }
}

/// Starts a session with the owner of `bundle` (protocol.md §4.1).
///
/// `capabilities` are ours, encoded; `bundle` the encoded prekey bundle as fetched;
/// `first` the first message's plaintext and associated data; `now` unix seconds.
/// Randomness from `rng`, in this order: the ephemeral key (32 bytes), the encapsulation
/// (the KEM's randomness length), the transcript signature's randomness, then the
/// ratchet's first step ([`RandomSource`]).
///
/// Refusals, all before anything is derived: wire errors for a malformed bundle;
/// negotiation's `DowngradeError` codes, `PQ_REQUIRED` for a bundle without a KEM
/// prekey under `pq-required`, `NO_COMMON_SUITE` / `PQ_REQUIRED` for a key whose suite
/// the capabilities or the policy do not allow; `AUTH_FAILED` for any signature of the
/// bundle that does not verify (both halves of a hybrid); `INVALID_KEY` for a key id
/// not derived from its key or a KEM key failing its check; `KEY_EXPIRED` for a key
/// (ours or the bundle's) outside its validity; `NON_CONTRIBUTORY` for a low-order key.
///
/// Identity pinning is the caller's: it compares the bundle's identity
/// ([`HandshakeInfo::peer`]) with the pinned one.
pub fn initiate(
    identity: &Identity,
    capabilities: &[u8],
    bundle: &[u8],
    first: FirstMessage<'_>,
    options: &HandshakeOptions,
    now: u64,
    rng: &mut dyn RandomSource,
) -> Result<Initiated> {
    let policy = &options.policy;
    let bundle = PrekeyBundle::decode(bundle)?;
    let agreement = negotiate(capabilities, &bundle.capabilities, Role::Initiator, policy)?;
    let ours = Capabilities::decode(capabilities)?;
    let theirs = Capabilities::decode(&bundle.capabilities)?;
    let peer = PublicIdentity {
        sig_key: bundle.identity_sig_key.clone(),
        sig_key_encoded: bundle.identity_sig_key_encoded.clone(),
        dh_key: bundle.identity_dh_key.clone(),
    };
    let kem_prekey_suite = bundle.kem_prekey.as_ref().map(kem_suite).transpose()?;
    let kem = suites::session_kem(kem_prekey_suite, &agreement, &ours, &theirs, policy)?;
    let peer_suite = peer.suite()?;
    suites::check_identity(peer_suite, &ours, &theirs, policy)?;
    suites::check_identity(identity.suite(), &ours, &theirs, policy)?;

    // Authenticate every key of the bundle, then check ids and validity.
    peer.verify()?;
    let prekeys: Vec<(&SignedKey, &'static str)> = [
        Some((&bundle.signed_prekey, "signed prekey")),
        bundle.kem_prekey.as_ref().map(|k| (k, "KEM prekey")),
        bundle
            .one_time_prekey
            .as_ref()
            .map(|k| (k, "one-time prekey")),
    ]
    .into_iter()
    .flatten()
    .collect();
    for (key, _) in &prekeys {
        package::verify_signed(peer_suite, &peer.sig_key.public_key, LABEL_PREKEY, key)?;
    }
    for (key, what) in &prekeys {
        package::check_key_id(&key.key, what)?;
    }
    identity.public().check_validity(now)?;
    peer.check_validity(now)?;
    for (key, what) in &prekeys {
        package::check_validity(&key.key, now, what)?;
    }
    if let Some(k) = &bundle.kem_prekey {
        kem::backend(kem)
            .check_public_key(&k.key.public_key)
            .map_err(|_| Error::InvalidKey { what: "KEM prekey" })?;
    }

    // DH1..DH4 and the encapsulation.
    let mut ek_seed = Zeroizing::new([0u8; 32]);
    rng.fill(ek_seed.as_mut())?;
    // Loaded once for its three or four agreements.
    let ek = x25519::StaticSecret::from_bytes(ek_seed.as_ref())?;
    let ek_public = *ek.public_key();
    let spk = &bundle.signed_prekey.key.public_key;
    let mut dh = vec![
        x25519::shared_secret(identity.dh_secret().expose(), spk)?,
        ek.shared_secret(peer.dh_public_key())?,
        ek.shared_secret(spk)?,
    ];
    if let Some(opk) = &bundle.one_time_prekey {
        dh.push(ek.shared_secret(&opk.key.public_key)?);
    }
    let encapsulation = match &bundle.kem_prekey {
        Some(k) => {
            let backend = kem::backend(kem);
            let mut r = Zeroizing::new(vec![0u8; backend.lengths().encapsulation_randomness]);
            rng.fill(&mut r)?;
            Some(backend.encapsulate(&k.key.public_key, Some(&r))?)
        }
        None => None,
    };
    let kem_ciphertext = encapsulation.as_ref().map(|e| e.cipher_text.clone());

    let kem_prekey_id = bundle.kem_prekey.as_ref().map(|k| k.key.key_id);
    let one_time_prekey_id = bundle.one_time_prekey.as_ref().map(|k| k.key.key_id);
    let signed_prekey_id = bundle.signed_prekey.key.key_id;
    let th = transcript::transcript_hash(&TranscriptInput {
        negotiation: &agreement.transcript_hash,
        kem,
        sig: agreement.sig,
        aead: agreement.aead,
        initiator: identity.public(),
        responder: &peer,
        signed_prekey: &signed_prekey_id,
        kem_prekey: kem_prekey_id.as_ref(),
        one_time_prekey: one_time_prekey_id.as_ref(),
        ephemeral_key: &ek_public,
        kem_ciphertext: kem_ciphertext.as_deref().unwrap_or_default(),
    });
    let dh_refs: Vec<&SecretBytes> = dh.iter().collect();
    let keys = transcript::root_keys(
        &th,
        &dh_refs,
        encapsulation.as_ref().map(|e| &e.shared_secret),
        kem,
    )?;
    // Always signed, whatever the features say (protocol.md §4.1 step 8).
    let transcript_signature = package::sign(identity.signer(), LABEL_INITIATOR, &th, rng)?;

    let init = keys.ratchet_init(kem, agreement.aead, options.ratchet_config(kem), now);
    let session_id = init.session_id;
    let mut session = RatchetState::init_initiator(init, spk)?;
    let (header, ciphertext) =
        session.encrypt_with(first.plaintext, first.associated_data, now, rng)?;

    let mine = identity.public();
    let message = InitialMessage {
        capabilities: capabilities.to_vec(),
        identity_sig_key: mine.sig_key.clone(),
        identity_sig_key_encoded: mine.sig_key_encoded.clone(),
        identity_dh_key: mine.dh_key.clone(),
        signed_prekey_id,
        kem_prekey_id,
        one_time_prekey_id,
        ephemeral_key: ek_public,
        kem_ciphertext,
        transcript_signature,
        message: RatchetMessage::new(header, ciphertext),
        extensions: Vec::new(),
    };
    let encoded = message.encode()?;
    let kem_kind = if bundle.kem_prekey_last_resort {
        PrekeyKind::LastResortKem
    } else {
        PrekeyKind::OneTimeKem
    };
    Ok(Initiated {
        message,
        encoded,
        session,
        info: HandshakeInfo {
            kem,
            post_quantum: kem_prekey_id.is_some(),
            agreement,
            transcript_hash: th,
            session_id,
            hybrid_auth: identity.suite().is_post_quantum(),
            prekeys: UsedPrekeys {
                signed_prekey: signed_prekey_id,
                kem_prekey: kem_prekey_id.map(|id| (id, kem_kind)),
                one_time_prekey: one_time_prekey_id,
            },
            peer,
        },
    })
}
