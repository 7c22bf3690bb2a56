//! Secret byte strings: zeroized on drop, redacted in `Debug`, compared in constant time.

use core::fmt;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Owned secret bytes (a secret key, a shared secret, a seed).
///
/// ```
/// use pqwire_core::SecretBytes;
/// let s = SecretBytes::from(vec![1u8, 2, 3]);
/// assert_eq!(format!("{s:?}"), "SecretBytes([REDACTED; 3])");
/// assert!(s.ct_eq_bytes(&[1, 2, 3]));
/// ```
#[derive(Clone, Default, Zeroize, ZeroizeOnDrop)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    /// Copies `bytes` into a new secret.
    pub fn from_slice(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }

    /// The secret bytes. Callers must not log them.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Mutable access for filling a freshly allocated secret.
    pub(crate) fn expose_mut(&mut self) -> &mut [u8] {
        &mut self.0
    }

    /// Moves the bytes out, for handing them to a caller that asked to export them.
    /// The caller becomes responsible for wiping them.
    pub fn into_exposed(mut self) -> Vec<u8> {
        core::mem::take(&mut self.0)
    }

    /// Length in bytes (not secret).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Constant-time comparison with other bytes (the length is not hidden).
    pub fn ct_eq_bytes(&self, other: &[u8]) -> bool {
        self.0.len() == other.len() && bool::from(self.0.as_slice().ct_eq(other))
    }
}

impl From<Vec<u8>> for SecretBytes {
    fn from(v: Vec<u8>) -> Self {
        Self(v)
    }
}

impl PartialEq for SecretBytes {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq_bytes(&other.0)
    }
}

impl Eq for SecretBytes {}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes([REDACTED; {}])", self.0.len())
    }
}
