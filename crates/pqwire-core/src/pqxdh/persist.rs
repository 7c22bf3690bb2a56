//! Identities and prekey secrets at rest (protocol.md §6): the `identity-secret` (`0x14`)
//! and `prekey-secret` (`0x15`) records, in the strict record format of
//! [`crate::record`]. Both hold secret keys: store them as you would store the keys.

use zeroize::Zeroizing;

use super::identity::{Identity, PublicIdentity};
use super::package;
use super::prekeys::{PrekeyKind, PrekeySecret};
use crate::kem;
use crate::record::{
    RecordField, RecordReader, RecordWriter, TYPE_IDENTITY_SECRET, TYPE_PREKEY_SECRET,
};
use crate::wire::{
    KeyPackage, MessageType, PackageSuite, SignedKey, WireError, WireErrorCode as Code, WireMessage,
};
use crate::{sig, x25519, Error, KemSuite, Result};

const SIG_KEY: RecordField = RecordField::new(0x0002, "sigKey");
const DH_KEY: RecordField = RecordField::new(0x0003, "dhKey");
const SIG_SECRET_KEY: RecordField = RecordField::new(0x0005, "sigSecretKey");
const DH_SECRET_KEY: RecordField = RecordField::new(0x0006, "dhSecretKey");

const KIND: RecordField = RecordField::new(0x0002, "kind");
const KEY_PACKAGE: RecordField = RecordField::new(0x0003, "keyPackage");
const SECRET_KEY: RecordField = RecordField::new(0x0004, "secretKey");

impl Identity {
    /// The identity as an `identity-secret` record (type `0x14`, protocol.md §6): the
    /// public half as its exact encodings and both secret keys. **The bytes are secret**;
    /// the buffer is wiped when dropped.
    ///
    /// ```
    /// use pqwire_core::pqxdh::{Identity, Validity};
    /// use pqwire_core::SigSuite;
    /// let id = Identity::from_seed(SigSuite::Ed25519MlDsa65, Validity::new(0, 1 << 40)?, [1; 32])?;
    /// let stored = id.to_record();
    /// let back = Identity::from_record(&stored)?;
    /// assert_eq!(back.public(), id.public());
    /// # Ok::<(), pqwire_core::Error>(())
    /// ```
    pub fn to_record(&self) -> Zeroizing<Vec<u8>> {
        let (sig_secret, dh_secret) = self.export_secret_keys();
        let public = self.public();
        let mut w = RecordWriter::new(TYPE_IDENTITY_SECRET);
        w.bytes(SIG_KEY, &public.sig_key_encoded)
            .bytes(DH_KEY, &public.dh_key.encoded)
            .bytes(SIG_SECRET_KEY, sig_secret.expose())
            .bytes(DH_SECRET_KEY, dh_secret.expose());
        w.finish()
    }

    /// Restores an identity from [`Identity::to_record`]'s record. The record rules
    /// first (`Error::Wire`: framing, nested key packages, a hybrid signing key and an
    /// X25519 DH key — `INVALID_FIELD` —, exact lengths), then everything
    /// [`Identity::import`] checks: `IKdh`'s validity, derived key
    /// ids and both secret keys belonging to their public keys (`INVALID_KEY`).
    pub fn from_record(bytes: &[u8]) -> Result<Self> {
        let mut r = RecordReader::new(bytes, TYPE_IDENTITY_SECRET)?;
        // The encodings are kept as they are: signatures and transcripts cover them.
        let (sig_key, sig_key_encoded) = r.nested(SIG_KEY, MessageType::KeyPackage, decoded)?;
        let (dh_key, dh_key_encoded) = r.nested(DH_KEY, MessageType::KeyPackage, decoded)?;
        let suite = match sig_key.suite {
            PackageSuite::Sig(s) if s.is_hybrid() => s,
            _ => {
                return Err(invalid(
                    &r,
                    SIG_KEY,
                    "the identity signing key is Ed25519+ML-DSA-65 or -87",
                ))
            }
        };
        if dh_key.suite != PackageSuite::Kem(KemSuite::X25519) {
            return Err(invalid(&r, DH_KEY, "the identity DH key is an X25519 key"));
        }
        let lengths = sig::backend(suite).lengths();
        let sig_secret = r.secret(SIG_SECRET_KEY, lengths.secret_key, lengths.secret_key)?;
        let dh_secret = r.secret(DH_SECRET_KEY, x25519::KEY_LEN, x25519::KEY_LEN)?;
        r.finish()?;
        let public = PublicIdentity {
            sig_key,
            sig_key_encoded,
            dh_key: SignedKey {
                key: dh_key,
                encoded: dh_key_encoded,
                signature: Vec::new(),
            },
        };
        Identity::import(public, sig_secret.expose(), dh_secret.expose())
    }
}

impl PrekeySecret {
    /// The prekey secret as a `prekey-secret` record (type `0x15`, protocol.md §6): its
    /// kind, its key package and its secret key. **The bytes are secret**; the buffer is
    /// wiped when dropped. Fails only if the key package does not encode (a package
    /// the wire format refuses).
    ///
    /// ```
    /// use pqwire_core::pqxdh::{signed_prekey, PrekeySecret, Validity};
    /// use pqwire_core::random::SeededRandom;
    /// let mut rng = SeededRandom::new([2; 32]);
    /// let valid = Validity::new(0, 1 << 40)?;
    /// let spk = signed_prekey(valid, &mut rng)?;
    /// let stored = spk.secret.to_record()?;
    /// assert_eq!(PrekeySecret::from_record(&stored)?, spk.secret);
    /// # Ok::<(), pqwire_core::Error>(())
    /// ```
    pub fn to_record(&self) -> Result<Zeroizing<Vec<u8>>> {
        let package = self.package().encode()?;
        let mut w = RecordWriter::new(TYPE_PREKEY_SECRET);
        w.u8(KIND, kind_code(self.kind()))
            .bytes(KEY_PACKAGE, &package)
            .bytes(SECRET_KEY, self.secret_key().expose());
        Ok(w.finish())
    }

    /// Restores a prekey secret from [`PrekeySecret::to_record`]'s record. The record
    /// rules first (`Error::Wire`: framing, a known kind and a nested key package of a
    /// suite that fits it — `INVALID_FIELD` —, the secret key's exact length), then the
    /// key: its key id derived from it and the secret key belonging to it
    /// (`INVALID_KEY`).
    pub fn from_record(bytes: &[u8]) -> Result<Self> {
        let mut r = RecordReader::new(bytes, TYPE_PREKEY_SECRET)?;
        let code = r.u8(KIND)?;
        let kind = kind_from_code(code).ok_or_else(|| invalid(&r, KIND, "unknown prekey kind"))?;
        let package = r.nested(KEY_PACKAGE, MessageType::KeyPackage, KeyPackage::decode)?;
        let PackageSuite::Kem(suite) = package.suite else {
            return Err(invalid(&r, KEY_PACKAGE, "a prekey is a KEM or X25519 key"));
        };
        let len = kem::backend(suite).lengths().secret_key;
        let secret_key = r.secret(SECRET_KEY, len, len)?;
        let prekey = PrekeySecret::new(kind, package, secret_key).map_err(|e| match e {
            Error::InvalidArgument { .. } => {
                invalid(&r, KEY_PACKAGE, "the key's suite does not fit the kind")
            }
            other => other,
        })?;
        r.finish()?;
        package::check_key_id(prekey.package(), "prekey key id")?;
        // The key pair belongs together: checked exactly but without a round trip, which
        // would cost more than the handshake's own use of the key (the checksum already
        // refuses accidental damage).
        kem::check_stored_pair(
            suite,
            prekey.secret_key().expose(),
            &prekey.package().public_key,
        )?;
        Ok(prekey)
    }
}

/// A key package with its exact encoding.
fn decoded(bytes: &[u8]) -> core::result::Result<(KeyPackage, Vec<u8>), WireError> {
    Ok((KeyPackage::decode(bytes)?, bytes.to_vec()))
}

/// The stored code of a prekey kind.
fn kind_code(kind: PrekeyKind) -> u8 {
    match kind {
        PrekeyKind::Signed => 1,
        PrekeyKind::LastResortKem => 2,
        PrekeyKind::OneTime => 3,
        PrekeyKind::OneTimeKem => 4,
    }
}

fn kind_from_code(code: u8) -> Option<PrekeyKind> {
    [
        PrekeyKind::Signed,
        PrekeyKind::LastResortKem,
        PrekeyKind::OneTime,
        PrekeyKind::OneTimeKem,
    ]
    .into_iter()
    .find(|k| kind_code(*k) == code)
}

/// `INVALID_FIELD` in field `f`.
fn invalid(r: &RecordReader<'_>, f: RecordField, what: &str) -> Error {
    Error::Wire(r.error(f, Code::InvalidField, what))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_codes_round_trip() {
        for code in 0..=u8::MAX {
            if let Some(kind) = kind_from_code(code) {
                assert_eq!(kind_code(kind), code);
            }
        }
        assert_eq!((1..=4).filter_map(kind_from_code).count(), 4);
    }
}
