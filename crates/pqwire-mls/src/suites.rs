//! The MLS cipher suites pqwire offers, named as RFC 9420 and
//! draft-ietf-mls-pq-ciphersuites name them.
//!
//! ```
//! use pqwire_mls::suites::{self, Ciphersuite};
//! let xwing = suites::from_name("MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519").unwrap();
//! assert!(suites::is_post_quantum(xwing));
//! assert!(!suites::is_post_quantum(Ciphersuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519));
//! ```

pub use openmls_traits::types::Ciphersuite;
use openmls_traits::types::HpkeKemType;

/// Every suite the pqwire provider offers, the RFC 9420 ones first, then the drafts'.
pub const SUPPORTED: [Ciphersuite; 13] = [
    Ciphersuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519,
    Ciphersuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256,
    Ciphersuite::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519,
    Ciphersuite::MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519,
    Ciphersuite::MLS_128_MLKEM768X25519_AES128GCM_SHA256_Ed25519,
    Ciphersuite::MLS_128_MLKEM768X25519_AES256GCM_SHA384_Ed25519,
    Ciphersuite::MLS_128_MLKEM768X25519_CHACHA20POLY1305_SHA384_MLDSA44,
    Ciphersuite::MLS_128_MLKEM768_AES256GCM_SHA384_Ed25519,
    Ciphersuite::MLS_128_MLKEM768_AES256GCM_SHA384_P256,
    Ciphersuite::MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65,
    Ciphersuite::MLS_192_MLKEM1024_AES256GCM_SHA384_P384,
    Ciphersuite::MLS_256_MLKEM1024_AES256GCM_SHA384_MLDSA87,
    Ciphersuite::MLS_256_MLKEM1024_AES256GCM_SHA512_MLDSA87,
];

/// Whether pqwire offers `suite`.
pub fn is_supported(suite: Ciphersuite) -> bool {
    SUPPORTED.contains(&suite)
}

/// Whether the group's key exchange resists a quantum computer (its HPKE KEM is ML-KEM or
/// X-Wing). Signatures may still be classical (Ed25519, ECDSA): they protect
/// authentication now, which a future quantum computer cannot break retroactively.
pub fn is_post_quantum(suite: Ciphersuite) -> bool {
    matches!(
        suite.hpke_kem_algorithm(),
        HpkeKemType::MlKem768 | HpkeKemType::MlKem1024 | HpkeKemType::XWingKemDraft6
    )
}

/// Whether the suite's code point comes from a draft (provisional), not from RFC 9420.
pub fn is_provisional(suite: Ciphersuite) -> bool {
    u16::from(suite) > 0x0007
}

/// The suite's full name, as in RFC 9420's registry and the draft.
pub fn name(suite: Ciphersuite) -> String {
    format!("{suite:?}")
}

/// The offered suite named `name` (exactly as [`name`] writes it), if any.
pub fn from_name(name: &str) -> Option<Ciphersuite> {
    SUPPORTED.into_iter().find(|s| self::name(*s) == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for suite in SUPPORTED {
            assert_eq!(from_name(&name(suite)), Some(suite));
        }
        assert_eq!(from_name("MLS_128_DHKEMX448_AES256GCM_SHA512_Ed448"), None);
        assert_eq!(
            from_name("mls_256_xwing_chacha20poly1305_sha256_ed25519"),
            None
        );
    }

    #[test]
    fn the_classical_suites_are_the_rfc_ones() {
        let classical: Vec<u16> = SUPPORTED
            .into_iter()
            .filter(|s| !is_post_quantum(*s))
            .map(u16::from)
            .collect();
        assert_eq!(classical, [1, 2, 3]);
        assert!(SUPPORTED
            .into_iter()
            .all(|s| is_provisional(s) == is_post_quantum(s)));
    }
}
