//! Application signatures: an identity signs data of the application's own (a server's
//! login challenge, a document) under a context the application names. The signed message
//! is `LABEL_APPLICATION ‖ len(context) ‖ context ‖ data`; no protocol label is a prefix
//! of `LABEL_APPLICATION` nor the reverse, so such a signature can never pass for a
//! prekey batch or transcript signature, and a context cannot pass for another.

use super::identity::{Identity, PublicIdentity};
use super::package::{sign, verify};
use crate::random::RandomSource;
use crate::wire::{KeyPackage, PackageSuite};
use crate::{Error, Result};

/// The label every application signature starts with.
pub const LABEL_APPLICATION: &[u8] = b"pqwire/v2 application signature";

/// The longest context (bytes).
pub const MAX_CONTEXT_LEN: usize = 255;

/// `len(context) ‖ context ‖ data`: what follows the label.
fn framed(context: &[u8], data: &[u8]) -> Result<Vec<u8>> {
    let len = u8::try_from(context.len()).map_err(|_| Error::InvalidArgument {
        what: "a signature context is at most 255 bytes",
    })?;
    Ok([&[len], context, data].concat())
}

impl Identity {
    /// Signs `data` under `context` with the identity's hybrid signing key (randomness from
    /// `rng`). Verify with [`PublicIdentity::verify_data`].
    ///
    /// ```
    /// use pqwire_core::pqxdh::{Identity, Validity};
    /// use pqwire_core::random::OsRandom;
    /// use pqwire_core::SigSuite;
    /// let me = Identity::generate_random(SigSuite::Ed25519MlDsa65, Validity::new(0, 1 << 40)?)?;
    /// let s = me.sign_data(b"login challenge 42", b"example.com login", &mut OsRandom)?;
    /// me.public().verify_data(b"login challenge 42", b"example.com login", &s)?;
    /// assert!(me.public().verify_data(b"login challenge 42", b"other context", &s).is_err());
    /// # Ok::<(), pqwire_core::Error>(())
    /// ```
    pub fn sign_data(
        &self,
        data: &[u8],
        context: &[u8],
        rng: &mut dyn RandomSource,
    ) -> Result<Vec<u8>> {
        sign(
            self.signer(),
            LABEL_APPLICATION,
            &framed(context, data)?,
            rng,
        )
    }
}

impl PublicIdentity {
    /// Checks an application signature over `data` under `context`: both halves of the
    /// hybrid must hold (`AUTH_FAILED` otherwise, saying nothing about which failed).
    pub fn verify_data(&self, data: &[u8], context: &[u8], signature: &[u8]) -> Result<()> {
        verify_data(&self.sig_key, data, context, signature)
    }
}

/// [`PublicIdentity::verify_data`] with only the identity's signing key package.
pub fn verify_data(
    signing_key: &KeyPackage,
    data: &[u8],
    context: &[u8],
    signature: &[u8],
) -> Result<()> {
    let PackageSuite::Sig(suite) = signing_key.suite else {
        return Err(Error::InvalidKey {
            what: "identity signing key is not a signature key",
        });
    };
    let message = framed(context, data)?;
    verify(
        suite,
        &signing_key.public_key,
        LABEL_APPLICATION,
        &message,
        signature,
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::pqxdh::{Validity, LABEL_CONTINUITY};
    use crate::random::SeededRandom;
    use crate::SigSuite;

    fn identity() -> Identity {
        let valid = Validity::new(0, 1 << 40).unwrap();
        Identity::generate(
            SigSuite::Ed25519MlDsa65,
            valid,
            &mut SeededRandom::new([3; 32]),
        )
        .unwrap()
    }

    #[test]
    fn binds_data_context_and_key() {
        let me = identity();
        let mut rng = SeededRandom::new([4; 32]);
        let s = me.sign_data(b"data", b"ctx", &mut rng).unwrap();
        let public = me.public();
        assert!(public.verify_data(b"data", b"ctx", &s).is_ok());
        for (data, ctx) in [
            (&b"datA"[..], &b"ctx"[..]),
            (b"data", b"ctX"),
            (b"data", b""),
        ] {
            assert_eq!(
                public.verify_data(data, ctx, &s),
                Err(Error::AuthenticationFailed)
            );
        }
        // The length prefix keeps context and data apart: ("ab", "c") is not ("a", "bc").
        let s2 = me.sign_data(b"c", b"ab", &mut rng).unwrap();
        assert!(public.verify_data(b"bc", b"a", &s2).is_err());
        let mut flipped = s.clone();
        flipped[10] ^= 1;
        assert!(public.verify_data(b"data", b"ctx", &flipped).is_err());
        let other =
            Identity::generate_random(SigSuite::Ed25519MlDsa65, Validity::new(0, 1 << 40).unwrap())
                .unwrap();
        assert!(other.public().verify_data(b"data", b"ctx", &s).is_err());
    }

    #[test]
    fn long_contexts_are_refused() {
        let me = identity();
        let err = me
            .sign_data(b"", &[0; 256], &mut SeededRandom::new([1; 32]))
            .unwrap_err();
        assert_eq!(err.code(), "INVALID_ARGUMENT");
        assert!(me
            .sign_data(b"", &[0; 255], &mut SeededRandom::new([1; 32]))
            .is_ok());
    }

    #[test]
    fn the_label_is_apart_from_every_signing_label() {
        for label in [
            crate::pqxdh::LABEL_BATCH,
            crate::pqxdh::LABEL_VERIFIED_BATCH,
            crate::pqxdh::merkle::LABEL_LEAF,
            LABEL_CONTINUITY,
            crate::pqxdh::LABEL_INITIATOR,
        ] {
            assert!(!label.starts_with(LABEL_APPLICATION) && !LABEL_APPLICATION.starts_with(label));
        }
    }
}
