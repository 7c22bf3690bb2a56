//! A member's state at rest: a pqwire record (`group-member`, type 0x19; the strict TLV
//! format of pqwire-core's `record` module, checksummed) holding the suite, the credential
//! credential (bound to a pqwire identity), the signature secret and every entry of openmls's storage. It holds secrets
//! (the signature key, leaf and epoch secrets): store it as you would the keys themselves.

use crate::error::{because, GroupCode, GroupError, Result};
use crate::{suites, Member, MlsSigner, PqwireProvider, PqwireStorage, MAX_PAST_EPOCHS};
use openmls_traits::types::Ciphersuite;
use openmls_traits::OpenMlsProvider;
use pqwire_core::record::{RecordField, RecordReader, RecordWriter, TYPE_GROUP_MEMBER};
use std::collections::{BTreeMap, HashMap};
use zeroize::Zeroizing;

const SUITE: RecordField = RecordField::new(0x0002, "suite");
const CREDENTIAL: RecordField = RecordField::new(0x0003, "credential");
const SIGNATURE_SECRET: RecordField = RecordField::new(0x0004, "signatureSecret");
const STORAGE: RecordField = RecordField::new(0x0005, "storage");
const PAST_EPOCHS: RecordField = RecordField::new(0x0006, "pastEpochs");

/// The longest credential a member may have: a name of up to 1,024 bytes, the largest
/// pqwire identity key and its signature, with room to spare.
pub const MAX_CREDENTIAL_LEN: usize = 16384;

impl Member {
    /// The member's whole state as a record.
    ///
    /// ```
    /// use pqwire_core::{pqxdh::{Identity, Validity}, SigSuite};
    /// use pqwire_mls::{Member, suites::Ciphersuite};
    /// let identity = Identity::generate_random(SigSuite::Ed25519MlDsa65, Validity::new(0, 1 << 40).unwrap()).unwrap();
    /// let mut alice = Member::new(Ciphersuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, &identity, b"alice")?;
    /// let group = alice.create_group()?;
    /// let mut back = Member::from_record(&alice.to_record()?)?;
    /// assert_eq!(back.epoch(&group)?, 0);
    /// # Ok::<(), pqwire_mls::GroupError>(())
    /// ```
    pub fn to_record(&self) -> Result<Zeroizing<Vec<u8>>> {
        let (provider, signer) = self.parts();
        let values = provider
            .storage()
            .values
            .read()
            .map_err(because(GroupCode::Internal))?;
        let storage = encode_storage(&values);
        drop(values);
        let secret = signer.secret();
        let mut w = RecordWriter::new(TYPE_GROUP_MEMBER);
        w.u16(SUITE, self.suite().into())
            .bytes(CREDENTIAL, self.credential_bytes())
            .bytes(SIGNATURE_SECRET, &secret)
            .bytes(STORAGE, &storage)
            .u8(PAST_EPOCHS, self.past_epochs());
        Ok(w.finish())
    }

    /// A member read back from [`Member::to_record`]'s bytes; anything else is `GROUP_BAD_RECORD`.
    pub fn from_record(bytes: &[u8]) -> Result<Self> {
        let bad = bad_record;
        let mut r = RecordReader::new(bytes, TYPE_GROUP_MEMBER).map_err(bad)?;
        let code = r.u16(SUITE).map_err(bad)?;
        let suite = Ciphersuite::try_from(code)
            .ok()
            .filter(|s| suites::is_supported(*s))
            .ok_or_else(|| {
                GroupError::new(
                    GroupCode::BadRecord,
                    format!("suite 0x{code:04x} is not offered"),
                )
            })?;
        let credential = r
            .bytes(CREDENTIAL, 0, MAX_CREDENTIAL_LEN)
            .map_err(bad)?
            .to_vec();
        let secret = r.secret(SIGNATURE_SECRET, 32, 48).map_err(bad)?;
        let storage = decode_storage(r.bytes(STORAGE, 4, usize::MAX).map_err(bad)?)?;
        let past_epochs = r.u8(PAST_EPOCHS).map_err(bad)?;
        r.finish().map_err(bad)?;
        if past_epochs > MAX_PAST_EPOCHS {
            return Err(GroupError::new(
                GroupCode::BadRecord,
                format!("past epochs: {past_epochs} is more than {MAX_PAST_EPOCHS}"),
            ));
        }
        let signer =
            MlsSigner::from_secret(suite.signature_algorithm(), secret.expose()).map_err(|_| {
                GroupError::new(GroupCode::BadRecord, "the signature secret does not load")
            })?;
        crate::credential::verify(&credential, suite, signer.public_key(), None).map_err(|_| {
            GroupError::new(
                GroupCode::BadRecord,
                "the credential is not bound to the signature key",
            )
        })?;
        let storage = PqwireStorage::with_values(storage);
        Ok(Member::from_parts(
            suite,
            credential,
            signer,
            PqwireProvider::with_storage(storage),
            past_epochs,
        ))
    }
}

/// `count u32 | (key-length u32 | key | value-length u32 | value)*`, keys in ascending order.
fn encode_storage(values: &HashMap<Vec<u8>, Vec<u8>>) -> Zeroizing<Vec<u8>> {
    let sorted: BTreeMap<&Vec<u8>, &Vec<u8>> = values.iter().collect();
    encode_entries(
        sorted
            .into_iter()
            .map(|(k, v)| (k.as_slice(), v.as_slice())),
    )
}

/// Entries as [`encode_storage`] lays them out; the caller gives them in ascending key order.
pub(crate) fn encode_entries<'a>(
    entries: impl ExactSizeIterator<Item = (&'a [u8], &'a [u8])>,
) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::new());
    out.extend_from_slice(&(entries.len() as u32).to_be_bytes());
    for (key, value) in entries {
        out.extend_from_slice(&(key.len() as u32).to_be_bytes());
        out.extend_from_slice(key);
        out.extend_from_slice(&(value.len() as u32).to_be_bytes());
        out.extend_from_slice(value);
    }
    out
}

/// The entries of [`encode_entries`]'s bytes; keys out of order, repeated keys, truncation and
/// trailing bytes are `GROUP_BAD_RECORD`.
pub(crate) fn decode_storage(bytes: &[u8]) -> Result<HashMap<Vec<u8>, Vec<u8>>> {
    let mut cursor = Cursor(bytes);
    let count = cursor.length()?;
    let mut values = HashMap::with_capacity(count.min(1 << 16));
    let mut previous: Option<&[u8]> = None;
    for _ in 0..count {
        let n = cursor.length()?;
        let key = cursor.take(n)?;
        let n = cursor.length()?;
        let value = cursor.take(n)?;
        if previous.is_some_and(|p| p >= key) {
            return Err(bad_storage("keys out of order or repeated"));
        }
        previous = Some(key);
        values.insert(key.to_vec(), value.to_vec());
    }
    if !cursor.0.is_empty() {
        return Err(bad_storage("trailing bytes"));
    }
    Ok(values)
}

/// A record (or change set) the wire reader refused: `GROUP_BAD_RECORD`.
pub(crate) fn bad_record(e: pqwire_core::wire::WireError) -> GroupError {
    GroupError::new(GroupCode::BadRecord, e.to_string())
}

fn bad_storage(what: &str) -> GroupError {
    GroupError::new(GroupCode::BadRecord, format!("storage: {what}"))
}

/// Reads the storage field front to back.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.0.len() < n {
            return Err(bad_storage("truncated"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn length(&mut self) -> Result<usize> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }
}
