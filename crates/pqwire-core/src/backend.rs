//! Which implementation runs a KEM or signature suite: [`Backend`], passed explicitly to
//! [`kem::backend_of`](crate::kem::backend_of) and [`sig::backend_of`](crate::sig::backend_of).
//!
//! Each backend is a cargo feature of this crate (docs/primitives.md, "Cargo features and
//! the pure-Rust build"). A backend whose feature is off, or that does not implement a
//! suite, is refused with `UNSUPPORTED`.

use crate::{Error, Result};

/// An implementation of the KEM and signature suites.
///
/// ```
/// use pqwire_core::{kem, sig, Backend, KemSuite, SigSuite};
/// assert_eq!(Backend::from_name("libcrux"), Some(Backend::Libcrux));
/// let k = kem::backend_of(KemSuite::MlKem768, Backend::Libcrux)?;
/// assert_eq!(k.backend_name(), "libcrux");
/// // The default is the fastest measured per operation among the backends built in.
/// let s = sig::backend_of(SigSuite::MlDsa65, Backend::Default)?;
/// assert!(std::ptr::addr_eq(s, sig::backend(SigSuite::MlDsa65)));
/// // No backend but the default implements X25519.
/// let refused = kem::backend_of(KemSuite::X25519, Backend::Libcrux).err();
/// assert_eq!(refused.map(|e| e.code()), Some("UNSUPPORTED"));
/// # Ok::<(), pqwire_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Backend {
    /// Per operation the fastest measured of the backends built in (`kem::backend`,
    /// `sig::backend`); the only one for X25519 and Ed25519.
    Default,
    /// PQClean through `pqcrypto` (feature `pqclean`): ML-KEM and ML-DSA, without seeded
    /// operations (it draws its own randomness).
    PqClean,
    /// RustCrypto's `ml-kem` and `ml-dsa` (feature `rustcrypto`): ML-KEM, ML-DSA and the
    /// hybrids built over them.
    RustCrypto,
    /// libcrux (feature `libcrux`, formally verified): ML-KEM, ML-DSA and the hybrids built
    /// over them.
    Libcrux,
}

impl Backend {
    /// Every backend, in the order of their codes.
    pub const ALL: [Backend; 4] = [
        Backend::Default,
        Backend::PqClean,
        Backend::RustCrypto,
        Backend::Libcrux,
    ];

    /// The name used in the API: `"default"`, `"pqclean"`, `"rustcrypto"` or `"libcrux"`.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Default => "default",
            Backend::PqClean => "pqclean",
            Backend::RustCrypto => "rustcrypto",
            Backend::Libcrux => "libcrux",
        }
    }

    /// The backend named `name` (exactly as [`Backend::name`] spells it).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.name() == name)
    }

    /// A small stable number (0 is the default), for encodings such as the addon's suite ids.
    pub fn code(self) -> u8 {
        match self {
            Backend::Default => 0,
            Backend::PqClean => 1,
            Backend::RustCrypto => 2,
            Backend::Libcrux => 3,
        }
    }

    /// The backend whose [`Backend::code`] is `code`.
    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.code() == code)
    }

    /// Whether this build has the backend (its cargo feature is on).
    pub fn is_built(self) -> bool {
        match self {
            Backend::Default => true,
            Backend::PqClean => cfg!(feature = "pqclean"),
            Backend::RustCrypto => cfg!(feature = "rustcrypto"),
            Backend::Libcrux => cfg!(feature = "libcrux"),
        }
    }

    /// The first of this backend's implementations in `offers` (what each backend
    /// implements, in groups) that is `wanted`, or `UNSUPPORTED`.
    pub(crate) fn find<B: ?Sized>(
        self,
        offers: &Offers<B>,
        wanted: impl Fn(&B) -> bool,
    ) -> Result<&'static B> {
        offers
            .iter()
            .filter(|(backend, _)| *backend == self)
            .flat_map(|(_, groups)| groups.iter().flat_map(|group| group.iter()))
            .find(|b| wanted(b))
            .copied()
            .ok_or(Error::Unsupported {
                what: if self.is_built() {
                    "the PQClean backend offers ML-KEM and ML-DSA only; the libcrux and \
                     RustCrypto backends ML-KEM, ML-DSA and their hybrids"
                } else {
                    "this backend is not in this build (its cargo feature is off)"
                },
            })
    }
}

/// What each backend implements, in groups (a backend's own ML-KEM, the hybrids over it):
/// the tables of `kem::backend_of` and `sig::backend_of`.
pub(crate) type Offers<B> = [(Backend, &'static [&'static [&'static B]])];

impl core::fmt::Display for Backend {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes_round_trip() {
        for b in Backend::ALL {
            assert_eq!(Backend::from_name(b.name()), Some(b));
            assert_eq!(Backend::from_code(b.code()), Some(b));
        }
        assert_eq!(Backend::from_name("PQClean"), None);
        assert_eq!(Backend::from_name("aws-lc"), None);
        assert_eq!(Backend::from_code(4), None);
    }

    #[test]
    fn find_refuses_what_a_backend_does_not_offer() {
        static OFFERS: &Offers<str> = &[
            (Backend::Libcrux, &[&["one"], &["two"]]),
            (Backend::PqClean, &[&["three"]]),
        ];
        assert_eq!(Backend::Libcrux.find(OFFERS, |s| s == "two"), Ok("two"));
        for (backend, wanted) in [(Backend::Libcrux, "three"), (Backend::Default, "one")] {
            let refused = backend.find(OFFERS, |s| s == wanted);
            assert_eq!(refused.unwrap_err().code(), "UNSUPPORTED");
        }
    }
}
