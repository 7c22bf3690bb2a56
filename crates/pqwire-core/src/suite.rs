//! Suite identifiers: the stable 16-bit wire code and the string name used in the API.
//!
//! Where an IETF code point exists it is used: TLS supported-group codes for the KEMs
//! (`X25519` = 0x001D, `ML-KEM-*` = 0x0200..0x0202, `X25519MLKEM768` = 0x11EC is *not*
//! X-Wing, so X-Wing gets its own code from the private range), TLS signature-scheme
//! codes for the signatures (`ed25519` = 0x0807, `mldsa*` = 0x0904..0x0906).
//! Codes without an IETF assignment are taken from the private-use ranges and are
//! recorded in `docs/suites.md`; they never change once released.

use crate::{Error, Result};

/// What code generic over the three suite enums needs (the negotiation): their methods of
/// the same names.
pub(crate) trait Suite: Copy {
    /// What the suites of this enum do (`"key exchange"`), for messages.
    const ROLE: &'static str;
    /// Looks a suite up by its wire code.
    fn from_code(code: u16) -> Result<Self>;
    /// The name used in the API.
    fn name(self) -> &'static str;
}

macro_rules! suite_enum {
    (
        $(#[$meta:meta])*
        $name:ident ($role:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = ($code:literal, $label:literal, [$($alias:literal),*]) ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every suite of this role, in the order pqwire prefers them by default.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name used in the API (for example `"ML-KEM-768"`).
            pub fn name(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// The stable 16-bit code used on the wire.
            pub fn code(self) -> u16 {
                match self { $($name::$variant => $code),+ }
            }

            /// Looks a suite up by its wire code.
            pub fn from_code(code: u16) -> Result<Self> {
                match code {
                    $($code => Ok($name::$variant),)+
                    other => Err(Error::UnknownSuite { name: format!("0x{other:04X}") }),
                }
            }

            /// Looks a suite up by its API name or a legacy alias, ignoring ASCII case.
            pub fn from_name(name: &str) -> Result<Self> {
                $(
                    if name.eq_ignore_ascii_case($label) $(|| name.eq_ignore_ascii_case($alias))* {
                        return Ok($name::$variant);
                    }
                )+
                Err(Error::UnknownSuite { name: name.chars().take(64).collect() })
            }
        }

        impl Suite for $name {
            const ROLE: &'static str = $role;

            fn from_code(code: u16) -> Result<Self> {
                $name::from_code(code)
            }

            fn name(self) -> &'static str {
                $name::name(self)
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

suite_enum! {
    /// Key-encapsulation suites.
    KemSuite ("key exchange") {
        /// X-Wing (draft-connolly-cfrg-xwing-kem): X25519 + ML-KEM-768.
        XWing = (0x647A, "X25519+ML-KEM-768", ["X-Wing", "XWing", "X25519+Kyber768", "X25519Kyber768"]),
        /// X25519 + ML-KEM-1024 with the X-Wing construction and its own label.
        X25519MlKem1024 = (0x647B, "X25519+ML-KEM-1024", ["X25519+Kyber1024", "X25519Kyber1024"]),
        /// X25519 + ML-KEM-512 with the X-Wing construction and its own label.
        X25519MlKem512 = (0x647C, "X25519+ML-KEM-512", ["X25519+Kyber512", "X25519Kyber512"]),
        /// ML-KEM-768 (FIPS 203).
        MlKem768 = (0x0201, "ML-KEM-768", ["Kyber768", "MLKEM768"]),
        /// ML-KEM-1024 (FIPS 203).
        MlKem1024 = (0x0202, "ML-KEM-1024", ["Kyber1024", "MLKEM1024"]),
        /// ML-KEM-512 (FIPS 203).
        MlKem512 = (0x0200, "ML-KEM-512", ["Kyber512", "MLKEM512"]),
        /// X25519 used as a KEM (classical only).
        X25519 = (0x001D, "X25519", ["Curve25519"]),
    }
}

suite_enum! {
    /// Signature suites.
    SigSuite ("signature") {
        /// Ed25519 + ML-DSA-65, both must verify.
        Ed25519MlDsa65 = (0x6460, "Ed25519+ML-DSA-65", ["Ed25519+Dilithium3"]),
        /// Ed25519 + ML-DSA-87, both must verify.
        Ed25519MlDsa87 = (0x6461, "Ed25519+ML-DSA-87", ["Ed25519+Dilithium5"]),
        /// ML-DSA-65 (FIPS 204).
        MlDsa65 = (0x0905, "ML-DSA-65", ["Dilithium3", "MLDSA65"]),
        /// ML-DSA-87 (FIPS 204).
        MlDsa87 = (0x0906, "ML-DSA-87", ["Dilithium5", "MLDSA87"]),
        /// ML-DSA-44 (FIPS 204).
        MlDsa44 = (0x0904, "ML-DSA-44", ["Dilithium2", "MLDSA44"]),
        /// Ed25519 (RFC 8032), strict verification (classical only).
        Ed25519 = (0x0807, "Ed25519", []),
    }
}

suite_enum! {
    /// AEAD suites.
    AeadSuite ("AEAD") {
        /// ChaCha20-Poly1305 (RFC 8439).
        ChaCha20Poly1305 = (0x0003, "ChaCha20-Poly1305", ["ChaCha20Poly1305"]),
        /// AES-256-GCM.
        Aes256Gcm = (0x0002, "AES-256-GCM", ["AES256-GCM", "AES256GCM"]),
    }
}

suite_enum! {
    /// MLS cipher suites (RFC 9420, and the post-quantum ones of
    /// draft-ietf-mls-pq-ciphersuites) that pqwire's MLS groups offer, as pure data: the
    /// MLS code point and the full name from RFC 9420's registry and the draft. What the
    /// suites do is in `pqwire-mls`; capabilities carry them in `mlsSuites` and
    /// negotiation picks one ([`crate::negotiation::negotiate_mls`]).
    ///
    /// The variants are named exactly as their suites are. [`MlsSuite::ALL`] is pqwire's
    /// default preference: X-Wing first, the other post-quantum suites, then RFC 9420's
    /// 0x0001, 0x0003 and 0x0002. Names are matched ignoring ASCII case, like the other
    /// suites'.
    ///
    /// ```
    /// use pqwire_core::MlsSuite;
    /// let xwing = MlsSuite::from_name("MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519")?;
    /// assert_eq!(xwing, MlsSuite::ALL[0]);
    /// assert_eq!(xwing.code(), 0x004D);
    /// assert!(xwing.is_post_quantum() && xwing.is_provisional());
    /// let rfc = MlsSuite::from_code(0x0001)?;
    /// assert!(!rfc.is_post_quantum() && !rfc.is_provisional());
    /// # Ok::<(), pqwire_core::Error>(())
    /// ```
    #[allow(non_camel_case_types)]
    MlsSuite ("MLS") {
        /// X-Wing (ML-KEM-768 + X25519) | ChaCha20-Poly1305 | SHA-256 | Ed25519 (draft, 0x004D).
        MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519 = (0x004D, "MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519", []),
        /// ML-KEM-768 + X25519 | AES-128-GCM | SHA-256 | Ed25519 (draft, 0x004F).
        MLS_128_MLKEM768X25519_AES128GCM_SHA256_Ed25519 = (0x004F, "MLS_128_MLKEM768X25519_AES128GCM_SHA256_Ed25519", []),
        /// ML-KEM-768 + X25519 | AES-256-GCM | SHA-384 | Ed25519 (draft, 0x004E).
        MLS_128_MLKEM768X25519_AES256GCM_SHA384_Ed25519 = (0x004E, "MLS_128_MLKEM768X25519_AES256GCM_SHA384_Ed25519", []),
        /// ML-KEM-768 + X25519 | ChaCha20-Poly1305 | SHA-384 | ML-DSA-44 (draft, 0x0052).
        MLS_128_MLKEM768X25519_CHACHA20POLY1305_SHA384_MLDSA44 = (0x0052, "MLS_128_MLKEM768X25519_CHACHA20POLY1305_SHA384_MLDSA44", []),
        /// ML-KEM-768 | AES-256-GCM | SHA-384 | Ed25519 (draft, 0xF042).
        MLS_128_MLKEM768_AES256GCM_SHA384_Ed25519 = (0xF042, "MLS_128_MLKEM768_AES256GCM_SHA384_Ed25519", []),
        /// ML-KEM-768 | AES-256-GCM | SHA-384 | ECDSA P-256 (draft, 0x0050).
        MLS_128_MLKEM768_AES256GCM_SHA384_P256 = (0x0050, "MLS_128_MLKEM768_AES256GCM_SHA384_P256", []),
        /// ML-KEM-768 | AES-256-GCM | SHA-384 | ML-DSA-65 (draft, 0x0051).
        MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65 = (0x0051, "MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65", []),
        /// ML-KEM-1024 | AES-256-GCM | SHA-384 | ECDSA P-384 (draft, 0x0042).
        MLS_192_MLKEM1024_AES256GCM_SHA384_P384 = (0x0042, "MLS_192_MLKEM1024_AES256GCM_SHA384_P384", []),
        /// ML-KEM-1024 | AES-256-GCM | SHA-384 | ML-DSA-87 (draft, 0x0907).
        MLS_256_MLKEM1024_AES256GCM_SHA384_MLDSA87 = (0x0907, "MLS_256_MLKEM1024_AES256GCM_SHA384_MLDSA87", []),
        /// ML-KEM-1024 | AES-256-GCM | SHA-512 | ML-DSA-87 (draft, 0x0906).
        MLS_256_MLKEM1024_AES256GCM_SHA512_MLDSA87 = (0x0906, "MLS_256_MLKEM1024_AES256GCM_SHA512_MLDSA87", []),
        /// DHKEM(X25519) | AES-128-GCM | SHA-256 | Ed25519 (RFC 9420, 0x0001; classical only).
        MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519 = (0x0001, "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519", []),
        /// DHKEM(X25519) | ChaCha20-Poly1305 | SHA-256 | Ed25519 (RFC 9420, 0x0003; classical only).
        MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519 = (0x0003, "MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519", []),
        /// DHKEM(P-256) | AES-128-GCM | SHA-256 | ECDSA P-256 (RFC 9420, 0x0002; classical only).
        MLS_128_DHKEMP256_AES128GCM_SHA256_P256 = (0x0002, "MLS_128_DHKEMP256_AES128GCM_SHA256_P256", []),
    }
}

impl MlsSuite {
    /// Whether the group's key exchange resists a quantum adversary: its HPKE KEM is
    /// ML-KEM or X-Wing. The signature may still be classical (Ed25519, ECDSA): it
    /// authenticates now, which a future quantum computer cannot undo. RFC 9420's three
    /// suites are the classical ones.
    ///
    /// ```
    /// use pqwire_core::MlsSuite;
    /// let classical: Vec<u16> = MlsSuite::ALL.iter().filter(|s| !s.is_post_quantum()).map(|s| s.code()).collect();
    /// assert_eq!(classical, [0x0001, 0x0003, 0x0002]);
    /// ```
    pub fn is_post_quantum(self) -> bool {
        !matches!(
            self,
            MlsSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
                | MlsSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256
                | MlsSuite::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519
        )
    }

    /// Whether the code point is provisional (a draft's, not RFC 9420's registry): it may
    /// still change before the draft becomes an RFC.
    ///
    /// ```
    /// use pqwire_core::MlsSuite;
    /// assert!(MlsSuite::MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519.is_provisional());
    /// assert!(!MlsSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256.is_provisional());
    /// ```
    pub fn is_provisional(self) -> bool {
        // RFC 9420 assigns 0x0001 to 0x0007; every other code pqwire knows is a draft's.
        self.code() > 0x0007
    }
}

impl KemSuite {
    /// Whether the suite resists a quantum adversary (contains ML-KEM).
    pub fn is_post_quantum(self) -> bool {
        self != KemSuite::X25519
    }

    /// Whether the suite combines a classical and a post-quantum part.
    pub fn is_hybrid(self) -> bool {
        matches!(
            self,
            KemSuite::XWing | KemSuite::X25519MlKem512 | KemSuite::X25519MlKem1024
        )
    }
}

impl SigSuite {
    /// Whether the suite resists a quantum adversary (contains ML-DSA).
    pub fn is_post_quantum(self) -> bool {
        self != SigSuite::Ed25519
    }

    /// Whether the suite combines a classical and a post-quantum part.
    pub fn is_hybrid(self) -> bool {
        matches!(self, SigSuite::Ed25519MlDsa65 | SigSuite::Ed25519MlDsa87)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_codes_and_aliases_round_trip() {
        for s in KemSuite::ALL {
            assert_eq!(KemSuite::from_name(s.name()), Ok(*s));
            assert_eq!(KemSuite::from_code(s.code()), Ok(*s));
        }
        for s in SigSuite::ALL {
            assert_eq!(SigSuite::from_name(s.name()), Ok(*s));
            assert_eq!(SigSuite::from_code(s.code()), Ok(*s));
        }
        for s in AeadSuite::ALL {
            assert_eq!(AeadSuite::from_name(s.name()), Ok(*s));
            assert_eq!(AeadSuite::from_code(s.code()), Ok(*s));
        }
        for s in MlsSuite::ALL {
            assert_eq!(MlsSuite::from_name(s.name()), Ok(*s));
            assert_eq!(MlsSuite::from_code(s.code()), Ok(*s));
            assert_eq!(
                format!("{s:?}"),
                s.name(),
                "variants are named as their suites"
            );
        }
        assert_eq!(KemSuite::from_name("X25519+Kyber768"), Ok(KemSuite::XWing));
        assert_eq!(KemSuite::from_name("kyber512"), Ok(KemSuite::MlKem512));
    }

    #[test]
    fn unknown_suites_are_refused() {
        assert_eq!(
            KemSuite::from_name("Kyber9000").unwrap_err().code(),
            "UNKNOWN_SUITE"
        );
        assert_eq!(
            SigSuite::from_code(0xFFFF).unwrap_err().code(),
            "UNKNOWN_SUITE"
        );
    }

    #[test]
    fn codes_are_unique_within_a_role() {
        let mut codes: Vec<u16> = KemSuite::ALL.iter().map(|s| s.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), KemSuite::ALL.len());
        let mut codes: Vec<u16> = MlsSuite::ALL.iter().map(|s| s.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), MlsSuite::ALL.len());
    }

    /// The 13 MLS suites pqwire-mls offers, with openmls' code points: X-Wing first, the
    /// other post-quantum ones, then RFC 9420's 1, 3, 2.
    #[test]
    fn mls_suites_are_the_thirteen_in_preference_order() {
        let codes: Vec<u16> = MlsSuite::ALL.iter().map(|s| s.code()).collect();
        assert_eq!(
            codes,
            [
                0x004D, 0x004F, 0x004E, 0x0052, 0xF042, 0x0050, 0x0051, 0x0042, 0x0907, 0x0906,
                0x0001, 0x0003, 0x0002
            ]
        );
        assert_eq!(
            MlsSuite::ALL[0].name(),
            "MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519"
        );
        let first_classical = MlsSuite::ALL.iter().position(|s| !s.is_post_quantum());
        assert_eq!(first_classical, Some(10));
        assert!(MlsSuite::ALL[10..].iter().all(|s| !s.is_post_quantum()));
        assert!(MlsSuite::ALL
            .iter()
            .all(|s| s.is_provisional() == s.is_post_quantum()));
        assert_eq!(
            MlsSuite::from_code(0x0004).unwrap_err().code(),
            "UNKNOWN_SUITE",
            "X448 is RFC 9420's but not offered"
        );
        assert_eq!(
            MlsSuite::from_name("MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448")
                .unwrap_err()
                .code(),
            "UNKNOWN_SUITE"
        );
    }
}
