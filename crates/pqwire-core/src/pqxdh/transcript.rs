//! The handshake transcript `TH` and the key schedule (protocol.md §4.1 steps 6–8).
//!
//! ```text
//! TH = H( "pqwire/v2 handshake transcript" ‖ NT ‖ u16(kem) ‖ u16(sig) ‖ u16(aead)
//!       ‖ lp(IKsig_A) ‖ IKdh_A ‖ lp(IKsig_B) ‖ IKdh_B ‖ SPK_B
//!       ‖ keyId(SPK_B) ‖ (keyId(kemPrekey_B) or 0×16) ‖ (keyId(OPK_B) or 0×16)
//!       ‖ EK_A ‖ lp(CT) )
//! RK0 ‖ CKs0 ‖ AD_KEY = HKDF-SHA512(salt = TH, 0xFF×32 ‖ DH1 ‖ DH2 ‖ DH3 ‖ [DH4] ‖ [SS],
//!                                   "pqwire/v2 root " ‖ kemName, 96)
//! transcript signature = Sign(IKsig_A, "pqwire/v2 initiator" ‖ TH)
//! ```
//!
//! `IKsig` are the exact encoded key packages; `IKdh`, `SPK_B` and `EK_A` the raw
//! 32-byte X25519 public keys; `lp` a u32 big-endian length prefix; `CT` is empty
//! without a KEM prekey. The transcript signature is what binds `IKdh_A` to `IKsig_A`
//! (no separate identity-DH signature in v2).

use crate::hash::sha3_256;
use crate::kdf::{self, HkdfHash};
use crate::ratchet::{self, KeyId, RatchetConfig, RatchetInit};
use crate::wire::tlv::Writer;
use crate::{AeadSuite, KemSuite, Result, SecretBytes, SigSuite};
use zeroize::Zeroizing;

use super::identity::PublicIdentity;

/// First bytes of the transcript hash's input.
pub const LABEL_TRANSCRIPT: &[u8] = b"pqwire/v2 handshake transcript";
/// Info prefix of the root key derivation (the KEM's name follows).
pub const LABEL_ROOT: &[u8] = b"pqwire/v2 root ";
/// Prefix of the message the initiator's transcript signature covers.
pub const LABEL_INITIATOR: &[u8] = b"pqwire/v2 initiator";

/// Length of the root key, the chain key and `AD_KEY`.
const KEY_LEN: usize = 32;

/// Everything `TH` covers.
#[derive(Clone, Copy, Debug)]
pub struct TranscriptInput<'a> {
    /// `NT`, the negotiation transcript hash.
    pub negotiation: &'a [u8; 32],
    /// The session's KEM suite.
    pub kem: KemSuite,
    /// The negotiated signature suite.
    pub sig: SigSuite,
    /// The negotiated AEAD suite.
    pub aead: AeadSuite,
    /// The initiator's identity.
    pub initiator: &'a PublicIdentity,
    /// The responder's identity.
    pub responder: &'a PublicIdentity,
    /// `SPK_B`, the raw public key.
    pub signed_prekey_key: &'a [u8],
    /// `keyId(SPK_B)`.
    pub signed_prekey: &'a KeyId,
    /// `keyId(kemPrekey_B)`, if there was one.
    pub kem_prekey: Option<&'a KeyId>,
    /// `keyId(OPK_B)`, if there was one.
    pub one_time_prekey: Option<&'a KeyId>,
    /// `EK_A`.
    pub ephemeral_key: &'a [u8; 32],
    /// `CT` (empty without a KEM prekey).
    pub kem_ciphertext: &'a [u8],
}

/// `TH`.
pub fn transcript_hash(t: &TranscriptInput<'_>) -> [u8; 32] {
    let mut data = Vec::with_capacity(16_384);
    let mut w = Writer::new(&mut data);
    w.raw(t.negotiation)
        .raw(&t.kem.code().to_be_bytes())
        .raw(&t.sig.code().to_be_bytes())
        .raw(&t.aead.code().to_be_bytes());
    for identity in [t.initiator, t.responder] {
        w.length_prefixed(&identity.sig_key_encoded)
            .raw(identity.dh_public_key());
    }
    let none = [0u8; 16];
    w.raw(t.signed_prekey_key)
        .raw(t.signed_prekey)
        .raw(t.kem_prekey.unwrap_or(&none))
        .raw(t.one_time_prekey.unwrap_or(&none))
        .raw(t.ephemeral_key)
        .length_prefixed(t.kem_ciphertext);
    sha3_256(&[LABEL_TRANSCRIPT, &data])
}

/// `RK0`, `CKs0` and `AD_KEY`.
pub struct RootKeys {
    /// `RK0`, the ratchet's first root key.
    pub root_key: SecretBytes,
    /// `CKs0`, the responder's first sending chain (the initiator's receiving chain).
    pub chain_key: SecretBytes,
    /// `AD_KEY`, from which the session id is derived.
    pub ad_key: SecretBytes,
}

impl RootKeys {
    /// The ratchet's starting point from these keys, the same for both roles: the
    /// session id from `AD_KEY`, and `config` or the suite's default cadence.
    pub(crate) fn ratchet_init(
        &self,
        kem: KemSuite,
        aead: AeadSuite,
        config: RatchetConfig,
        now: u64,
    ) -> RatchetInit<'_> {
        RatchetInit {
            root_key: self.root_key.expose(),
            chain_key: self.chain_key.expose(),
            session_id: ratchet::kdf::session_id(self.ad_key.expose()),
            kem,
            aead,
            config,
            now,
        }
    }
}

impl core::fmt::Debug for RootKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("RootKeys([REDACTED])")
    }
}

/// `0xFF×32 ‖ DH1 ‖ DH2 ‖ DH3 ‖ [DH4] ‖ [SS]`, in a buffer allocated once at its final
/// size: it holds every secret of the handshake, and a buffer grown by reallocation would
/// leave copies of the first ones behind in freed memory, never wiped.
fn root_ikm(dh: &[&SecretBytes], ss: Option<&SecretBytes>) -> Zeroizing<Vec<u8>> {
    const PAD: [u8; 32] = [0xFF; 32];
    let len = PAD.len() + dh.iter().map(|d| d.len()).sum::<usize>() + ss.map_or(0, |s| s.len());
    let mut ikm = Zeroizing::new(Vec::with_capacity(len));
    ikm.extend_from_slice(&PAD);
    for d in dh {
        ikm.extend_from_slice(d.expose());
    }
    if let Some(ss) = ss {
        ikm.extend_from_slice(ss.expose());
    }
    ikm
}

/// The key schedule: `dh` are DH1, DH2, DH3 and, with a one-time prekey, DH4; `ss` the
/// KEM shared secret (absent without a KEM prekey).
pub fn root_keys(
    transcript_hash: &[u8; 32],
    dh: &[&SecretBytes],
    ss: Option<&SecretBytes>,
    kem: KemSuite,
) -> Result<RootKeys> {
    let ikm = root_ikm(dh, ss);
    let info = [LABEL_ROOT, kem.name().as_bytes()].concat();
    let okm = kdf::hkdf(HkdfHash::Sha512, &ikm, transcript_hash, &info, 3 * KEY_LEN)?;
    let (root, rest) = okm.expose().split_at(KEY_LEN);
    let (chain, ad) = rest.split_at(KEY_LEN);
    Ok(RootKeys {
        root_key: SecretBytes::from_slice(root),
        chain_key: SecretBytes::from_slice(chain),
        ad_key: SecretBytes::from_slice(ad),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The IKM of the root key is built without a reallocation (which would free a copy
    /// of DH1–DH3 unwiped): its capacity is its length, for every shape of handshake.
    #[test]
    fn root_ikm_is_allocated_once_at_its_final_size() {
        let secret = |b: u8| SecretBytes::from(vec![b; 32]);
        let (d1, d2, d3, d4, ss) = (secret(1), secret(2), secret(3), secret(4), secret(5));
        for (dh, ss) in [
            (vec![&d1, &d2, &d3], None),
            (vec![&d1, &d2, &d3], Some(&ss)),
            (vec![&d1, &d2, &d3, &d4], None),
            (vec![&d1, &d2, &d3, &d4], Some(&ss)),
        ] {
            let ikm = root_ikm(&dh, ss);
            let len = 32 * (1 + dh.len() + usize::from(ss.is_some()));
            assert_eq!(ikm.len(), len);
            assert_eq!(
                ikm.capacity(),
                len,
                "{} DH, KEM: {}",
                dh.len(),
                ss.is_some()
            );
            assert_eq!(&ikm[..32], &[0xFF; 32]);
            assert_eq!(&ikm[32..64], &[1; 32]);
        }
    }
}
