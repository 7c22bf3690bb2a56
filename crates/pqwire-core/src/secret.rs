//! Secret byte strings: zeroized on drop, redacted in `Debug`, compared in constant time;
//! and [`Wiped`], for secrets of foreign types that cannot be zeroized in place.

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

/// A secret of a foreign `Copy` type that exposes no mutable bytes and no `Zeroize` (the
/// `pqcrypto` crates' PQClean keys and shared secrets): the only way to wipe one is to
/// overwrite the whole value with a blank (all-zero) one.
pub(crate) trait Blank: Copy {
    /// The all-zero value (`None` only if the type cannot build one, which fixed-size
    /// types always can).
    fn blank() -> Option<Self>;
}

/// Overwrites `value` with its blank. `black_box` keeps the compiler from dropping the
/// store as dead (the value is usually discarded right after).
pub(crate) fn wipe<T: Blank>(value: &mut T) {
    if let Some(blank) = T::blank() {
        *value = blank;
    }
    core::hint::black_box(value);
}

/// A [`Blank`] secret kept in one place on the heap for its whole life and wiped on drop.
pub(crate) struct Wiped<T: Blank>(Box<T>);

impl<T: Blank> Wiped<T> {
    /// Moves `value` to the heap and wipes the caller's copy.
    pub(crate) fn new(value: &mut T) -> Self {
        let held = Self(Box::new(*value));
        wipe(value);
        held
    }

    /// The secret.
    pub(crate) fn get(&self) -> &T {
        &self.0
    }
}

impl<T: Blank> Zeroize for Wiped<T> {
    fn zeroize(&mut self) {
        wipe(&mut *self.0);
    }
}

impl<T: Blank> Drop for Wiped<T> {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl<T: Blank> ZeroizeOnDrop for Wiped<T> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy)]
    struct Key([u8; 8]);

    impl Blank for Key {
        fn blank() -> Option<Self> {
            Some(Key([0; 8]))
        }
    }

    #[test]
    fn wiped_moves_the_secret_and_wipes_the_source_and_itself() {
        let mut k = Key([7; 8]);
        let mut held = Wiped::new(&mut k);
        assert_eq!(k.0, [0; 8]);
        assert_eq!(held.get().0, [7; 8]);
        // What `drop` runs.
        held.zeroize();
        assert_eq!(held.get().0, [0; 8]);
    }
}
