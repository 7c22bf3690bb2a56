//! The hybrid PQXDH-style handshake of `docs/protocol.md` §2–§4, sans I/O: the caller
//! passes the time (`now`, unix seconds) and, for reproducible runs, the randomness.
//!
//! | file | concept |
//! | --- | --- |
//! | `package.rs` | validity periods, derived key ids, signed key packages (§2) |
//! | `identity.rs` | [`Identity`] and [`PublicIdentity`] (§2) |
//! | `prekeys.rs` | prekeys, [`PrekeySecret`], [`build_bundle`], [`needs_rotation`] (§2, §3) |
//! | `source.rs` | [`PrekeySource`] and the in-memory [`PrekeySecrets`] |

mod identity;
mod package;
mod prekeys;
mod source;

pub use identity::{Identity, PublicIdentity};
pub use package::{
    key_id, Validity, LABEL_IDENTITY_DH, LABEL_KEY_ID, LABEL_PREKEY, SIGNATURE_CONTEXT,
};
pub use prekeys::{
    build_bundle, generate_prekey, last_resort_kem_prekey, needs_rotation, one_time_kem_prekeys,
    one_time_prekeys, signed_prekey, GeneratedPrekey, Prekey, PrekeyKind, PrekeySecret,
    RotationPolicy, DEFAULT_IDENTITY_LIFETIME, DEFAULT_ONE_TIME_PREKEY_LIFETIME,
    DEFAULT_ROTATION_AGE, DEFAULT_ROTATION_USES, DEFAULT_SIGNED_PREKEY_LIFETIME,
};
pub use source::{PrekeySecrets, PrekeySource, UsedPrekeys};
