//! The channel's transcript and key schedule (docs/channel.md §5.2, §5.3, §6, §7).
//!
//! ```text
//! TH1 = H("pqwire-channel/v1 transcript 1" ‖ u8(mode) ‖ lp(SK) ‖ lp(CK) ‖ lp(CReq) ‖ NT ‖ lp(EKs))
//! TH2 = H("pqwire-channel/v1 transcript 2" ‖ TH1 ‖ lp(SIGs) ‖ lp(CT1) ‖ lp(EKc))
//! TH3 = H("pqwire-channel/v1 transcript 3" ‖ TH2 ‖ lp(SIGc) ‖ lp(CT2))
//! CS  = HKDF(salt = TH3, SS1 [‖ SS2], "pqwire-channel/v1 channel secret " ‖ kemName, 32)
//! TSc = derive(CS, "pqwire-channel/v1 client to server"),  TSs = derive(CS, "… server to client")
//! key = derive(TS, "pqwire-channel/v1 key", 32),  iv = derive(TS, "pqwire-channel/v1 iv", 12)
//! rekey: TS' = derive(TS, "pqwire-channel/v1 rekey", 32)
//! ratchet: CS' = HKDF(salt = CS, SSr, "pqwire-channel/v1 ratchet" ‖ RT, 32),
//!          RT = H("pqwire-channel/v1 ratchet transcript" ‖ lp(EKr) ‖ lp(CTr))
//! derive(s, label, L) = HKDF-SHA512(salt = ∅, s, label, L)
//! ```

use zeroize::Zeroizing;

use super::config::HEADER_LEN;
use crate::aead::{self, NONCE_LEN};
use crate::hash::sha3_256;
use crate::kdf::{self, HkdfHash};
use crate::wire::tlv::Writer;
use crate::{AeadSuite, KemSuite, Result, SecretBytes};

/// Label of `TH1`.
pub const LABEL_TH1: &[u8] = b"pqwire-channel/v1 transcript 1";
/// Label of `TH2`.
pub const LABEL_TH2: &[u8] = b"pqwire-channel/v1 transcript 2";
/// Label of `TH3`.
pub const LABEL_TH3: &[u8] = b"pqwire-channel/v1 transcript 3";
/// Prefix of what the server signs (`‖ TH1`).
pub const LABEL_SERVER_SIGNATURE: &[u8] = b"pqwire-channel/v1 server";
/// Prefix of what a Duplex client signs (`‖ TH2`).
pub const LABEL_CLIENT_SIGNATURE: &[u8] = b"pqwire-channel/v1 client";
/// Info prefix of the channel secret (the KEM's name follows).
pub const LABEL_CHANNEL_SECRET: &[u8] = b"pqwire-channel/v1 channel secret ";
/// Info of the client-to-server traffic secret.
pub const LABEL_CLIENT_TO_SERVER: &[u8] = b"pqwire-channel/v1 client to server";
/// Info of the server-to-client traffic secret.
pub const LABEL_SERVER_TO_CLIENT: &[u8] = b"pqwire-channel/v1 server to client";
/// Info of a direction's AEAD key.
pub const LABEL_KEY: &[u8] = b"pqwire-channel/v1 key";
/// Info of a direction's IV.
pub const LABEL_IV: &[u8] = b"pqwire-channel/v1 iv";
/// Info of a symmetric re-key.
pub const LABEL_REKEY: &[u8] = b"pqwire-channel/v1 rekey";
/// Info prefix of a ratchet step (`‖ RT`).
pub const LABEL_RATCHET: &[u8] = b"pqwire-channel/v1 ratchet";
/// Label of a ratchet step's transcript `RT`.
pub const LABEL_RATCHET_TRANSCRIPT: &[u8] = b"pqwire-channel/v1 ratchet transcript";

/// Length of the channel secret and the traffic secrets.
pub const SECRET_LEN: usize = 32;

/// Everything `TH1` covers.
pub(crate) struct Th1Input<'a> {
    pub mode: u8,
    pub server_key: &'a [u8],
    pub client_key: &'a [u8],
    pub connect_request: &'a [u8],
    pub negotiation: &'a [u8; 32],
    pub server_ephemeral: &'a [u8],
}

/// `TH1`.
pub(crate) fn th1(t: &Th1Input<'_>) -> [u8; 32] {
    let mut data = Vec::with_capacity(
        64 + t.server_key.len()
            + t.client_key.len()
            + t.connect_request.len()
            + t.server_ephemeral.len(),
    );
    Writer::new(&mut data)
        .raw(&[t.mode])
        .length_prefixed(t.server_key)
        .length_prefixed(t.client_key)
        .length_prefixed(t.connect_request)
        .raw(t.negotiation)
        .length_prefixed(t.server_ephemeral);
    sha3_256(&[LABEL_TH1, &data])
}

/// `TH2` (`client_ephemeral` empty in Simplex).
pub(crate) fn th2(
    th1: &[u8; 32],
    server_signature: &[u8],
    ct1: &[u8],
    client_ephemeral: &[u8],
) -> [u8; 32] {
    let mut data =
        Vec::with_capacity(48 + server_signature.len() + ct1.len() + client_ephemeral.len());
    Writer::new(&mut data)
        .raw(th1)
        .length_prefixed(server_signature)
        .length_prefixed(ct1)
        .length_prefixed(client_ephemeral);
    sha3_256(&[LABEL_TH2, &data])
}

/// `TH3` (both empty in Simplex).
pub(crate) fn th3(th2: &[u8; 32], client_signature: &[u8], ct2: &[u8]) -> [u8; 32] {
    let mut data = Vec::with_capacity(40 + client_signature.len() + ct2.len());
    Writer::new(&mut data)
        .raw(th2)
        .length_prefixed(client_signature)
        .length_prefixed(ct2);
    sha3_256(&[LABEL_TH3, &data])
}

/// `derive(secret, label, L)`: HKDF-SHA512 without salt.
fn derive(secret: &[u8], label: &[u8], len: usize) -> Result<SecretBytes> {
    kdf::hkdf(HkdfHash::Sha512, secret, &[], label, len)
}

/// A 32-byte secret, wiped on drop.
pub(crate) type Secret = Zeroizing<[u8; SECRET_LEN]>;

fn secret_of(bytes: &SecretBytes) -> Secret {
    let mut s = Zeroizing::new([0u8; SECRET_LEN]);
    let n = bytes.len().min(SECRET_LEN);
    s[..n].copy_from_slice(&bytes.expose()[..n]);
    s
}

/// `CS` from `TH3` and the shared secrets (`SS1`, and `SS2` in Duplex).
pub(crate) fn channel_secret(
    th3: &[u8; 32],
    shared: &[&SecretBytes],
    kem: KemSuite,
) -> Result<Secret> {
    let mut ikm = Zeroizing::new(Vec::with_capacity(64));
    for s in shared {
        ikm.extend_from_slice(s.expose());
    }
    let info = [LABEL_CHANNEL_SECRET, kem.name().as_bytes()].concat();
    Ok(secret_of(&kdf::hkdf(
        HkdfHash::Sha512,
        &ikm,
        th3,
        &info,
        SECRET_LEN,
    )?))
}

/// `CS'` after a ratchet step with the shared secret `ss` of `(EKr, CTr)`.
pub(crate) fn ratchet_secret(
    cs: &Secret,
    ss: &SecretBytes,
    public_key: &[u8],
    ciphertext: &[u8],
) -> Result<Secret> {
    let mut data = Vec::with_capacity(8 + public_key.len() + ciphertext.len());
    Writer::new(&mut data)
        .length_prefixed(public_key)
        .length_prefixed(ciphertext);
    let rt = sha3_256(&[LABEL_RATCHET_TRANSCRIPT, &data]);
    let info = [LABEL_RATCHET, &rt[..]].concat();
    Ok(secret_of(&kdf::hkdf(
        HkdfHash::Sha512,
        ss.expose(),
        &cs[..],
        &info,
        SECRET_LEN,
    )?))
}

/// Both traffic secrets of a channel secret: (client → server, server → client).
pub(crate) fn traffic_secrets(cs: &Secret) -> Result<(Secret, Secret)> {
    Ok((
        secret_of(&derive(&cs[..], LABEL_CLIENT_TO_SERVER, SECRET_LEN)?),
        secret_of(&derive(&cs[..], LABEL_SERVER_TO_CLIENT, SECRET_LEN)?),
    ))
}

/// One direction's keys: the traffic secret, the AEAD key and IV derived from it, and how
/// many packets the current key protected.
pub(crate) struct DirectionKeys {
    secret: Secret,
    key: Secret,
    iv: Zeroizing<[u8; NONCE_LEN]>,
    /// Packets protected under the current key.
    pub used: u64,
}

impl DirectionKeys {
    /// The keys of traffic secret `secret`.
    pub(crate) fn new(secret: Secret) -> Result<Self> {
        let key = secret_of(&derive(&secret[..], LABEL_KEY, SECRET_LEN)?);
        let iv_bytes = derive(&secret[..], LABEL_IV, NONCE_LEN)?;
        let mut iv = Zeroizing::new([0u8; NONCE_LEN]);
        iv.copy_from_slice(iv_bytes.expose());
        Ok(DirectionKeys {
            secret,
            key,
            iv,
            used: 0,
        })
    }

    /// A symmetric re-key: `TS' = derive(TS, "pqwire-channel/v1 rekey")`, then key and IV.
    pub(crate) fn rekey(&mut self) -> Result<()> {
        let next = secret_of(&derive(&self.secret[..], LABEL_REKEY, SECRET_LEN)?);
        *self = DirectionKeys::new(next)?;
        Ok(())
    }

    /// `iv ⊕ (0^4 ‖ u64(sequence))`.
    fn nonce(&self, sequence: u64) -> Zeroizing<[u8; NONCE_LEN]> {
        let mut n = self.iv.clone();
        for (b, s) in n[4..].iter_mut().zip(sequence.to_be_bytes()) {
            *b ^= s;
        }
        n
    }

    /// Encrypts a payload under the packet's header.
    pub(crate) fn seal(
        &mut self,
        suite: AeadSuite,
        header: &[u8; HEADER_LEN],
        sequence: u64,
        plaintext: &[u8],
    ) -> Result<Vec<u8>> {
        let nonce = self.nonce(sequence);
        let out = aead::algorithm(suite).seal(&self.key[..], &nonce[..], plaintext, header)?;
        self.used = self.used.saturating_add(1);
        Ok(out)
    }

    /// Encrypts `packet[start..]` in place under the packet's header and appends the tag:
    /// the packet is built in one buffer.
    pub(crate) fn seal_into(
        &mut self,
        suite: AeadSuite,
        header: &[u8; HEADER_LEN],
        sequence: u64,
        packet: &mut Vec<u8>,
        start: usize,
    ) -> Result<()> {
        let nonce = self.nonce(sequence);
        let body = packet.get_mut(start..).unwrap_or_default();
        let tag = aead::algorithm(suite).seal_in_place(&self.key[..], &nonce[..], body, header)?;
        packet.extend_from_slice(&tag);
        self.used = self.used.saturating_add(1);
        Ok(())
    }

    /// Decrypts a payload under the packet's header (`AUTH_FAILED` on any mismatch).
    pub(crate) fn open(
        &self,
        suite: AeadSuite,
        header: &[u8],
        sequence: u64,
        ciphertext: &[u8],
    ) -> Result<Vec<u8>> {
        if ciphertext.len() < aead::TAG_LEN {
            return Err(crate::Error::AuthenticationFailed);
        }
        let nonce = self.nonce(sequence);
        aead::algorithm(suite).open(&self.key[..], &nonce[..], ciphertext, header)
    }
}

impl core::fmt::Debug for DirectionKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DirectionKeys")
            .field("keys", &"[REDACTED]")
            .field("used", &self.used)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn rekey_changes_key_and_iv_and_directions_differ() {
        let cs = Zeroizing::new([5u8; 32]);
        let (c, s) = traffic_secrets(&cs).unwrap();
        assert_ne!(*c, *s);
        let mut a = DirectionKeys::new(c).unwrap();
        let b = DirectionKeys::new(s).unwrap();
        let header = [0u8; HEADER_LEN];
        let suite = AeadSuite::ChaCha20Poly1305;
        let ct = a.seal(suite, &header, 3, b"hi").unwrap();
        assert!(b.open(suite, &header, 3, &ct).is_err());
        let (before_key, before_iv) = (*a.key, *a.iv);
        a.rekey().unwrap();
        assert_ne!(*a.key, before_key);
        assert_ne!(*a.iv, before_iv);
        assert_eq!(a.used, 0);
        assert!(format!("{a:?}").contains("REDACTED"));
    }

    #[test]
    fn nonce_is_iv_xor_sequence() {
        let d = DirectionKeys::new(Zeroizing::new([1u8; 32])).unwrap();
        let n0 = d.nonce(0);
        let n1 = d.nonce(1);
        assert_eq!(*n0, *d.iv);
        assert_eq!(n0[11] ^ n1[11], 1);
        assert_eq!(n0[..11], n1[..11]);
    }
}
