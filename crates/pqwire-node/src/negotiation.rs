//! Negotiation bindings: core decides, the TypeScript facade adds policy stores and
//! security events.

use crate::js_bytes::Bytes;
use napi::bindgen_prelude::Either;
use napi_derive::napi;
use pqwire_core::negotiation::{self, Policy, PolicyMode, Role};
use pqwire_core::Error;

use crate::errors::{js, to_js};
use crate::wire::feature_entries;

/// The agreed version and suites, and the transcript hash.
#[napi(object, object_from_js = false)]
pub struct NativeAgreement {
    pub version: u32,
    pub kex_suite: String,
    pub sig_suite: String,
    pub aead_suite: String,
    pub features: Vec<Either<String, u32>>,
    pub classical: bool,
    #[napi(ts_type = "Uint8Array")]
    pub transcript_hash: Bytes,
    /// The MLS suite's name; absent when a side offers no MLS or nothing the policy
    /// allows is common.
    pub mls_suite: Option<String>,
}

/// Negotiates from two capability encodings; a refusal throws its downgrade code.
#[napi(catch_unwind)]
pub fn negotiate(
    local: &[u8],
    remote: &[u8],
    role: String,
    mode: String,
    min_version: u32,
) -> napi::Result<NativeAgreement> {
    let (role, policy) = role_and_policy(&role, &mode, min_version)?;
    let a = js(negotiation::negotiate(local, remote, role, &policy))?;
    Ok(NativeAgreement {
        version: a.version.into(),
        kex_suite: a.kem.name().to_string(),
        sig_suite: a.sig.name().to_string(),
        aead_suite: a.aead.name().to_string(),
        features: feature_entries(a.features),
        classical: a.is_classical(),
        transcript_hash: Bytes::copy(&a.transcript_hash),
        mls_suite: a.mls.map(|s| s.name().to_string()),
    })
}

/// Negotiates the MLS suite alone and returns its name; a refusal throws its downgrade
/// code (`NO_COMMON_SUITE`, also when a side lacks the `mls` feature, or `PQ_REQUIRED`).
#[napi(catch_unwind)]
pub fn negotiate_mls(
    local: &[u8],
    remote: &[u8],
    role: String,
    mode: String,
    min_version: u32,
) -> napi::Result<String> {
    let (role, policy) = role_and_policy(&role, &mode, min_version)?;
    let suite = js(negotiation::negotiate_mls(local, remote, role, &policy))?;
    Ok(suite.name().to_string())
}

/// The role and the policy from their JavaScript forms.
fn role_and_policy(role: &str, mode: &str, min_version: u32) -> napi::Result<(Role, Policy)> {
    let role = match role {
        "initiator" => Role::Initiator,
        "responder" => Role::Responder,
        _ => {
            return Err(to_js(Error::InvalidArgument {
                what: "role must be initiator or responder",
            }))
        }
    };
    let policy = Policy {
        mode: js(PolicyMode::from_name(mode))?,
        min_version: u8::try_from(min_version).map_err(|_| {
            to_js(Error::InvalidArgument {
                what: "minVersion must be an integer from 0 to 255",
            })
        })?,
    };
    Ok((role, policy))
}

/// Compares two transcript hashes in constant time; throws `TRANSCRIPT_MISMATCH`.
#[napi(catch_unwind)]
pub fn verify_transcript(local: &[u8], peer: &[u8]) -> napi::Result<()> {
    js(negotiation::verify_transcript(local, peer))
}
