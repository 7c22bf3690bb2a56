//! The initiator's side of the handshake (protocol.md §4.1): from a prekey bundle to an
//! initial message and a ratchet session.

use zeroize::Zeroizing;

use super::bundle_check::{bundle_identity, check_bundle, ProvedPrekeys};
use super::identity::{Identity, PublicIdentity};
use super::package;
use super::source::UsedPrekeys;
use super::transcript::{self, TranscriptInput, LABEL_INITIATOR};
use super::{suites, FirstMessage, HandshakeInfo, HandshakeOptions};
use crate::kem::Encapsulation;
use crate::negotiation::{negotiate, Agreement, DowngradeCode, Policy, Role};
use crate::random::RandomSource;
use crate::ratchet::RatchetState;
use crate::wire::{Capabilities, InitialMessage, PrekeyBundle, RatchetMessage, WireMessage};
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

/// Starts a session with the owner of `bundle` (protocol.md §4.1).
///
/// `capabilities` are ours, encoded; `bundle` the encoded prekey bundle as fetched;
/// `first` the first message's plaintext and associated data; `now` unix seconds.
/// Randomness from `rng`, in this order: the ephemeral key (32 bytes), the encapsulation
/// (the KEM's randomness length), the transcript signature's randomness, then the
/// ratchet's first step ([`RandomSource`]).
///
/// Refusals, all before anything is derived: wire errors for a malformed bundle;
/// negotiation's `DowngradeError` codes; `PQ_REQUIRED` for a bundle without a KEM
/// prekey whose statement has a `kemSuite` (a stripped KEM prekey, under every policy),
/// or for any bundle without one under `pq-required`; `NO_COMMON_SUITE` / `PQ_REQUIRED`
/// for a key whose suite the capabilities or the policy do not allow; `INVALID_KEY` for
/// a malformed identity package; `AUTH_FAILED` for a batch signature that does not
/// verify (both halves of a hybrid) or a Merkle proof that does not lead to the signed
/// root; `KEY_EXPIRED` for a key (ours or the bundle's) outside its validity;
/// `INVALID_KEY` for a KEM prekey failing its check; `NON_CONTRIBUTORY` for a low-order
/// key. A batch whose signature verified before in this process is not verified again
/// ([`super::verified_batches`]).
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
    let bundle = PrekeyBundle::decode(bundle)?;
    let agreed = agree(identity, capabilities, &bundle, &options.policy)?;
    let proved = check_bundle(&bundle, &agreed.peer, identity.public(), now)?;
    let secrets = exchange(identity, &proved, &agreed, rng)?;
    let used = UsedPrekeys {
        signed_prekey: proved.signed_prekey.key_id,
        kem_prekey: proved
            .kem_prekey
            .as_ref()
            .map(|(k, kind)| (k.key_id, *kind)),
        one_time_prekey: proved.one_time_prekey.as_ref().map(|k| k.key_id),
    };
    let kem = agreed.kem;
    let spk = &proved.signed_prekey.public_key;
    let th = transcript_hash(identity, &agreed, spk, &used, &secrets);
    let dh: Vec<&SecretBytes> = secrets.dh.iter().collect();
    let keys = transcript::root_keys(&th, &dh, secrets.kem_shared_secret(), kem)?;
    // Always signed, whatever the features say (protocol.md §4.1 step 8).
    let transcript_signature = package::sign(identity.signer(), LABEL_INITIATOR, &th, rng)?;

    let init = keys.ratchet_init(kem, agreed.agreement.aead, options.ratchet_config(kem), now);
    let session_id = init.session_id;
    let mut session = RatchetState::init_initiator(init, spk)?;
    let (header, ciphertext) =
        session.encrypt_with(first.plaintext, first.associated_data, now, rng)?;
    let message = initial_message(
        identity,
        capabilities,
        &used,
        &secrets,
        transcript_signature,
        RatchetMessage::new(header, ciphertext),
    )?;
    let encoded = message.encode()?;
    Ok(Initiated {
        message,
        encoded,
        session,
        info: HandshakeInfo {
            kem,
            post_quantum: used.kem_prekey.is_some(),
            agreement: agreed.agreement,
            transcript_hash: th,
            session_id,
            hybrid_auth: identity.suite().is_post_quantum(),
            prekeys: used,
            peer: agreed.peer,
        },
    })
}

/// What the two capability lists, the bundle and the policy agree on.
struct Agreed {
    agreement: Agreement,
    /// The session's KEM.
    kem: KemSuite,
    /// The bundle's identity (not verified yet).
    peer: PublicIdentity,
}

/// Negotiates, then checks that the bundle's KEM prekey and both identities fit both
/// capability lists and the policy, and that no KEM prekey was stripped.
fn agree(
    identity: &Identity,
    capabilities: &[u8],
    bundle: &PrekeyBundle,
    policy: &Policy,
) -> Result<Agreed> {
    let agreement = negotiate(capabilities, bundle.capabilities(), Role::Initiator, policy)?;
    let ours = Capabilities::decode(capabilities)?;
    let theirs = Capabilities::decode(bundle.capabilities())?;
    let peer = bundle_identity(bundle);
    if bundle.batch.kem_suite.is_some() && bundle.kem_prekey.is_none() {
        // The statement says the owner published KEM prekeys: whoever served this
        // bundle removed its KEM prekey (protocol.md §4.1 step 1).
        return Err(Error::Downgrade {
            code: DowngradeCode::PqRequired,
            detail: "the signed statement lists KEM prekeys but the bundle has none: it \
                     was stripped"
                .into(),
        });
    }
    let kem_prekey_suite = bundle.kem_prekey.as_ref().and(bundle.batch.kem_suite);
    let kem = suites::session_kem(kem_prekey_suite, &agreement, &ours, &theirs, policy)?;
    suites::check_identity(peer.suite()?, &ours, &theirs, policy)?;
    suites::check_identity(identity.suite(), &ours, &theirs, policy)?;
    Ok(Agreed {
        agreement,
        kem,
        peer,
    })
}

/// The initiator's secrets: `EK_A`, DH1..DH4 and the encapsulation to the KEM prekey.
struct Exchanged {
    ephemeral_key: [u8; 32],
    dh: Vec<SecretBytes>,
    encapsulation: Option<Encapsulation>,
}

impl Exchanged {
    fn kem_ciphertext(&self) -> Option<&[u8]> {
        self.encapsulation.as_ref().map(|e| &e.cipher_text[..])
    }

    fn kem_shared_secret(&self) -> Option<&SecretBytes> {
        self.encapsulation.as_ref().map(|e| &e.shared_secret)
    }
}

/// Draws the ephemeral key (32 bytes of `rng`), computes DH1..DH4, then encapsulates to
/// the KEM prekey (the KEM's randomness length).
fn exchange(
    identity: &Identity,
    bundle: &ProvedPrekeys,
    agreed: &Agreed,
    rng: &mut dyn RandomSource,
) -> Result<Exchanged> {
    let mut ek_seed = Zeroizing::new([0u8; 32]);
    rng.fill(ek_seed.as_mut())?;
    // Loaded once for its three or four agreements.
    let ek = x25519::StaticSecret::from_bytes(ek_seed.as_ref())?;
    let spk = &bundle.signed_prekey.public_key;
    let mut dh = vec![
        identity.dh_key().shared_secret(spk)?,
        ek.shared_secret(agreed.peer.dh_public_key())?,
        ek.shared_secret(spk)?,
    ];
    if let Some(opk) = &bundle.one_time_prekey {
        dh.push(ek.shared_secret(&opk.public_key)?);
    }
    let encapsulation = match &bundle.kem_prekey {
        Some((k, _)) => {
            let backend = kem::backend(agreed.kem);
            let mut r = Zeroizing::new(vec![0u8; backend.lengths().encapsulation_randomness]);
            rng.fill(&mut r)?;
            Some(backend.encapsulate(&k.public_key, Some(&r))?)
        }
        None => None,
    };
    Ok(Exchanged {
        ephemeral_key: *ek.public_key(),
        dh,
        encapsulation,
    })
}

/// `TH` (protocol.md §4.1 step 6).
fn transcript_hash(
    identity: &Identity,
    agreed: &Agreed,
    signed_prekey: &[u8],
    used: &UsedPrekeys,
    secrets: &Exchanged,
) -> [u8; 32] {
    transcript::transcript_hash(&TranscriptInput {
        negotiation: &agreed.agreement.transcript_hash,
        kem: agreed.kem,
        sig: agreed.agreement.sig,
        aead: agreed.agreement.aead,
        initiator: identity.public(),
        responder: &agreed.peer,
        signed_prekey_key: signed_prekey,
        signed_prekey: &used.signed_prekey,
        kem_prekey: used.kem_prekey.as_ref().map(|(id, _)| id),
        one_time_prekey: used.one_time_prekey.as_ref(),
        ephemeral_key: &secrets.ephemeral_key,
        kem_ciphertext: secrets.kem_ciphertext().unwrap_or_default(),
    })
}

/// The initial message of protocol.md §4.2.
fn initial_message(
    identity: &Identity,
    capabilities: &[u8],
    used: &UsedPrekeys,
    secrets: &Exchanged,
    transcript_signature: Vec<u8>,
    message: RatchetMessage,
) -> Result<InitialMessage> {
    let mine = identity.public();
    Ok(InitialMessage {
        capabilities: capabilities.to_vec(),
        identity_sig_key: mine.sig_key.clone(),
        identity_sig_key_encoded: mine.sig_key_encoded.clone(),
        identity_dh_key: mine
            .dh_public_key()
            .try_into()
            .map_err(|_| Error::InvalidKey {
                what: "identity DH key",
            })?,
        signed_prekey_id: used.signed_prekey,
        kem_prekey_id: used.kem_prekey.map(|(id, _)| id),
        one_time_prekey_id: used.one_time_prekey,
        ephemeral_key: secrets.ephemeral_key,
        kem_ciphertext: secrets.kem_ciphertext().map(<[u8]>::to_vec),
        transcript_signature,
        message,
        extensions: Vec::new(),
    })
}
