//! Credentials bound to a pqwire identity (docs/groups.md, "Credentials"). An MLS basic
//! credential names its member with bytes nobody checks; here those bytes carry the
//! application's name for the member, the member's pqwire identity signing key (`IKsig`,
//! its key package encoding) and that identity's signature over the suite, the name and
//! the member's MLS signature key. Every member checks the binding of every credential it
//! meets: the key packages it adds, every leaf of a group it joins, the members a commit
//! adds and the leaves a commit or proposal replaces. The application then decides, as for
//! sessions, whether that pqwire identity is the person it expects (its fingerprint is in
//! [`Bound`]).
//!
//! Layout (big-endian lengths): `version u8 (1) | u16 len | name | u16 len | IKsig package |
//! u16 len | signature`. The signature is an application signature of the identity
//! (`pqwire_core::pqxdh::verify_data`) under the context [`CONTEXT`], over
//! `suite u16 | u16 len | name | u16 len | IKsig package | u16 len | MLS signature key`: the
//! identity signs its own package too, so its validity dates (which the package's key id
//! does not cover) and its exact encoding are the identity's, not whoever relays them.
//!
//! Validity is checked where someone chooses a member (an adder, the delivery service on
//! upload), against that party's clock; never when processing a commit, where every member
//! must reach the same answer whatever its clock.

use crate::error::{GroupCode, GroupError, Result};
use openmls_traits::types::Ciphersuite;
use pqwire_core::pqxdh::{key_id, verify_data, Identity};
use pqwire_core::random::RandomSource;
use pqwire_core::wire::{KeyId, KeyPackage, PackageSuite, WireMessage};

/// The application-signature context of a binding.
pub const CONTEXT: &[u8] = b"pqwire/mls credential";
const VERSION: u8 = 1;
/// The longest name a credential may carry.
pub const MAX_NAME_LEN: usize = 1024;

/// What a checked credential says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bound {
    /// The application's name for the member.
    pub name: Vec<u8>,
    /// The member's pqwire identity signing key (`IKsig`), its key package encoding.
    pub identity_key: Vec<u8>,
    /// That key's key id: the identity's fingerprint.
    pub fingerprint: KeyId,
    /// When the identity expires (unix seconds).
    pub expires: u64,
}

/// The credential bytes binding `signature_key` (an MLS signature public key of `suite`)
/// and `name` to `identity`.
pub fn bind(
    identity: &Identity,
    name: &[u8],
    suite: Ciphersuite,
    signature_key: &[u8],
    rng: &mut dyn RandomSource,
) -> Result<Vec<u8>> {
    if name.len() > MAX_NAME_LEN {
        return Err(GroupError::new(
            GroupCode::Invalid,
            format!("a credential name is at most {MAX_NAME_LEN} bytes"),
        ));
    }
    let key = &identity.public().sig_key_encoded;
    let signature = identity
        .sign_data(&signed(suite, name, key, signature_key), CONTEXT, rng)
        .map_err(|e| GroupError::new(GroupCode::RandomnessUnavailable, e.to_string()))?;
    let mut out = vec![VERSION];
    for part in [name, key.as_slice(), signature.as_slice()] {
        put(&mut out, part)?;
    }
    Ok(out)
}

/// Checks that `credential` binds `signature_key` of `suite` to a pqwire identity, valid
/// at `now` when given. Anything else is `GROUP_UNBOUND_CREDENTIAL`.
pub fn verify(
    credential: &[u8],
    suite: Ciphersuite,
    signature_key: &[u8],
    now: Option<u64>,
) -> Result<Bound> {
    let (version, mut rest) = credential.split_first().ok_or_else(|| unbound("empty"))?;
    if *version != VERSION {
        return Err(unbound("an unknown binding version"));
    }
    let name = take(&mut rest)?;
    let encoded_key = take(&mut rest)?;
    let signature = take(&mut rest)?;
    if !rest.is_empty() {
        return Err(unbound("trailing bytes"));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(unbound("a name that is too long"));
    }
    let key = KeyPackage::decode(encoded_key).map_err(|_| unbound("no identity key"))?;
    if !matches!(key.suite, PackageSuite::Sig(_))
        || key.key_id != key_id(key.suite, &key.public_key)
    {
        return Err(unbound("the identity key is not a pqwire signing key"));
    }
    if now.is_some_and(|t| !key.is_valid_at(t)) {
        return Err(unbound("the identity has expired or is not valid yet"));
    }
    verify_data(
        &key,
        &signed(suite, name, encoded_key, signature_key),
        CONTEXT,
        signature,
    )
    .map_err(|_| unbound("the identity did not sign this MLS key"))?;
    Ok(Bound {
        name: name.to_vec(),
        identity_key: encoded_key.to_vec(),
        fingerprint: key.key_id,
        expires: key.expires,
    })
}

/// Now, in unix seconds (for the validity of the identities that bind new credentials).
pub(crate) fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The name a credential carries, unchecked (for display of what was checked before).
pub(crate) fn name_of(credential: &[u8]) -> &[u8] {
    let mut rest = credential.get(1..).unwrap_or_default();
    take(&mut rest).unwrap_or(credential)
}

/// The identity key a credential carries, unchecked (it was checked when it was met).
pub(crate) fn identity_key_of(credential: &[u8]) -> &[u8] {
    let mut rest = credential.get(1..).unwrap_or_default();
    take(&mut rest)
        .and_then(|_| take(&mut rest))
        .unwrap_or_default()
}

/// What the identity signs.
fn signed(suite: Ciphersuite, name: &[u8], identity_key: &[u8], signature_key: &[u8]) -> Vec<u8> {
    let mut out = u16::from(suite).to_be_bytes().to_vec();
    // Lengths were checked by the caller or are bounded by the layout's u16 lengths.
    for part in [name, identity_key, signature_key] {
        out.extend_from_slice(&(part.len() as u16).to_be_bytes());
        out.extend_from_slice(part);
    }
    out
}

fn put(out: &mut Vec<u8>, part: &[u8]) -> Result<()> {
    let len = u16::try_from(part.len())
        .map_err(|_| GroupError::new(GroupCode::Invalid, "a credential part is too long"))?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(part);
    Ok(())
}

fn take<'a>(rest: &mut &'a [u8]) -> Result<&'a [u8]> {
    if rest.len() < 2 {
        return Err(unbound("truncated"));
    }
    let len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
    let body = rest.get(2..2 + len).ok_or_else(|| unbound("truncated"))?;
    *rest = &rest[2 + len..];
    Ok(body)
}

fn unbound(why: &str) -> GroupError {
    GroupError::new(
        GroupCode::UnboundCredential,
        format!("a credential not bound to a pqwire identity: {why}"),
    )
}
