//! Conversions of the option values sessions take from JavaScript: times, policies and
//! ratchet settings.

use crate::errors::{js, to_js};
use napi_derive::napi;
use pqwire_core::negotiation::{Policy, PolicyMode};
use pqwire_core::pqxdh::HandshakeOptions;
use pqwire_core::ratchet::{KemCadence, RatchetConfig};
use pqwire_core::wire::limits::MAX_TIME;
use pqwire_core::Error;

/// A JavaScript number that must be a whole number from 0 to 2^53 − 1 (times, counts).
pub(crate) fn time(t: f64) -> napi::Result<u64> {
    if t.is_finite() && t >= 0.0 && t.fract() == 0.0 && t <= MAX_TIME as f64 {
        Ok(t as u64)
    } else {
        Err(to_js(Error::InvalidArgument {
            what: "times and counts must be whole numbers from 0 to 2^53 - 1",
        }))
    }
}

fn count_u32(n: f64, what: &'static str) -> napi::Result<u32> {
    let v = time(n)?;
    u32::try_from(v).map_err(|_| to_js(Error::InvalidArgument { what }))
}

/// The ratchet's settings; absent fields take the suite's defaults.
#[napi(object)]
pub struct NativeRatchetOptions {
    /// `continuous` (v1's `every-hop` is accepted as its name), or absent with
    /// `kemEveryMessages` and/or `kemEverySeconds`.
    pub cadence: Option<String>,
    pub kem_every_messages: Option<f64>,
    pub kem_every_seconds: Option<f64>,
    pub max_skip: Option<f64>,
    pub max_skipped_keys: Option<f64>,
    pub max_skipped_age: Option<f64>,
}

/// The handshake's settings.
#[napi(object)]
pub struct NativeHandshakeOptions {
    /// `pq-required` (default), `pq-preferred` or `classical-allowed`.
    pub policy: Option<String>,
    pub min_version: Option<u32>,
    pub ratchet: Option<NativeRatchetOptions>,
}

fn cadence(o: &NativeRatchetOptions) -> napi::Result<Option<KemCadence>> {
    let messages = o
        .kem_every_messages
        .map(|n| count_u32(n, "kemEveryMessages must fit 32 bits"))
        .transpose()?;
    let seconds = o.kem_every_seconds.map(time).transpose()?;
    Ok(match (o.cadence.as_deref(), messages, seconds) {
        (Some("continuous" | "every-hop"), None, None) => Some(KemCadence::Continuous),
        (None, None, None) => None,
        (None, Some(m), None) => Some(KemCadence::EveryMessages(m)),
        (None, None, Some(s)) => Some(KemCadence::EverySeconds(s)),
        (None, Some(messages), Some(seconds)) => {
            Some(KemCadence::MessagesOrSeconds { messages, seconds })
        }
        _ => {
            return Err(to_js(Error::InvalidArgument {
                what: "cadence is 'continuous' or given by kemEveryMessages / kemEverySeconds",
            }))
        }
    })
}

/// The ratchet configuration `o` describes, on top of `base`.
pub(crate) fn ratchet_config(
    o: &NativeRatchetOptions,
    base: RatchetConfig,
) -> napi::Result<RatchetConfig> {
    let mut c = base;
    if let Some(k) = cadence(o)? {
        c.cadence = k;
    }
    if let Some(n) = o.max_skip {
        c.max_skip = count_u32(n, "maxSkip must fit 32 bits")?;
    }
    if let Some(n) = o.max_skipped_keys {
        c.max_skipped_keys = usize::try_from(time(n)?).map_err(|_| {
            to_js(Error::InvalidArgument {
                what: "maxSkippedKeys too large",
            })
        })?;
    }
    if let Some(t) = o.max_skipped_age {
        c.max_skipped_age = time(t)?;
    }
    js(c.validate())?;
    Ok(c)
}

/// Handshake options from JavaScript. The ratchet settings start from the defaults of
/// the suite the handshake will settle on, so only overridden fields are fixed here:
/// with no ratchet options at all, `ratchet` stays `None` (suite defaults).
pub(crate) fn handshake_options(
    o: Option<NativeHandshakeOptions>,
) -> napi::Result<HandshakeOptions> {
    let Some(o) = o else {
        return Ok(HandshakeOptions::default());
    };
    let mut policy = Policy::default();
    if let Some(mode) = &o.policy {
        policy.mode = js(PolicyMode::from_name(mode))?;
    }
    if let Some(v) = o.min_version {
        policy.min_version = u8::try_from(v).map_err(|_| {
            to_js(Error::InvalidArgument {
                what: "minVersion must be an integer from 0 to 255",
            })
        })?;
    }
    let ratchet = o
        .ratchet
        .as_ref()
        .map(|r| ratchet_config(r, RatchetConfig::default()))
        .transpose()?;
    // Limits without a cadence keep the cadence of the KEM the handshake will choose.
    let suite_cadence = o
        .ratchet
        .as_ref()
        .is_some_and(|r| cadence(r).ok().flatten().is_none());
    Ok(HandshakeOptions {
        policy,
        ratchet,
        suite_cadence,
    })
}
