//! Secret byte strings: zeroized on drop, redacted in `Debug`, compared in constant time;
//! [`Wiped`], for secrets of foreign types that cannot be zeroized in place; and
//! [`Disposable`], for objects whose owner wants their secrets gone now, not when the
//! object is dropped.

use core::fmt;
use std::sync::{Arc, Mutex, PoisonError};
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

    /// Where the bytes are (see [`SecretMemory`]): their heap buffer, `None` when empty.
    pub(crate) fn region(&self) -> Option<(usize, usize)> {
        region_of(self.0.as_slice())
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

/// Where a key pair's secret state lies in memory, for a binding that locks those pages
/// into RAM (`mlock`) so that they are never written to swap. pqwire-core only reports
/// addresses; it never dereferences them, and what they point to stays owned by the key
/// pair (valid while it lives, freed and wiped when it is dropped).
///
/// ```
/// use pqwire_core::{kem::{self, KemKeyPair}, Backend, KemSuite};
/// let libcrux = kem::backend_of(KemSuite::MlKem768, Backend::Libcrux)?;
/// let kp = KemKeyPair::generate_with(libcrux, None)?;
/// let m = kp.secret_memory();
/// // The secret key's bytes and the parsed key, which libcrux keeps inline.
/// assert!(m.complete && m.regions.len() == 2);
/// assert!(m.regions.iter().all(|&(_, len)| len > 0));
/// # Ok::<(), pqwire_core::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SecretMemory {
    /// `(address, length in bytes)` of each region that holds secret state, none empty.
    pub regions: Vec<(usize, usize)>,
    /// Whether `regions` cover all of it: `false` when part of the secret lives where
    /// pqwire cannot see it (a C library's own heap, a dependency's private allocations),
    /// or when the implementation does not say.
    pub complete: bool,
}

impl SecretMemory {
    /// All the secret state is in `regions` (`None`s, empty values, are left out).
    pub(crate) fn all(regions: impl IntoIterator<Item = Option<(usize, usize)>>) -> Self {
        Self {
            regions: regions.into_iter().flatten().collect(),
            complete: true,
        }
    }

    /// Nothing known: no regions, not complete (what an implementation that does not say
    /// reports, so that it is never taken for locked, and what one whose key lives out of
    /// pqwire's sight reports).
    pub(crate) fn unknown() -> Self {
        Self {
            regions: Vec::new(),
            complete: false,
        }
    }

    /// Both: the regions of each, complete only if both are.
    pub(crate) fn and(mut self, other: Self) -> Self {
        self.regions.extend(other.regions);
        self.complete &= other.complete;
        self
    }
}

/// `(address, size)` of the memory `value` occupies (`size_of_val` bytes at its address),
/// `None` for a value of size 0.
pub(crate) fn region_of<T: ?Sized>(value: &T) -> Option<(usize, usize)> {
    let len = core::mem::size_of_val(value);
    (len > 0).then(|| (core::ptr::from_ref(value).cast::<u8>().addr(), len))
}

/// A secret of a foreign `Copy` type that exposes no mutable bytes and no `Zeroize` (the
/// `pqcrypto` crates' PQClean keys and shared secrets): the only way to wipe one is to
/// overwrite the whole value with a blank (all-zero) one.
#[cfg_attr(not(feature = "pqclean"), allow(dead_code))] // PQClean's types are the users
pub(crate) trait Blank: Copy {
    /// The all-zero value (`None` only if the type cannot build one, which fixed-size
    /// types always can).
    fn blank() -> Option<Self>;
    /// The secret's bytes.
    fn bytes(&self) -> &[u8];
}

/// Implements [`Blank`] for `pqcrypto` types of `len` bytes through their `from_bytes` and
/// `as_bytes` (the invoking module imports the `pqcrypto_traits` trait that has them).
#[cfg_attr(not(feature = "pqclean"), allow(unused_macros))]
macro_rules! pqclean_blank {
    ($($ty:ty: $len:expr),+ $(,)?) => {
        $(impl $crate::secret::Blank for $ty {
            fn blank() -> Option<Self> {
                Self::from_bytes(&[0u8; $len]).ok()
            }

            fn bytes(&self) -> &[u8] {
                self.as_bytes()
            }
        })+
    };
}
#[cfg(feature = "pqclean")]
pub(crate) use pqclean_blank;

/// Overwrites `value` with its blank. `black_box` keeps the compiler from dropping the
/// store as dead (the value is usually discarded right after).
#[cfg_attr(not(feature = "pqclean"), allow(dead_code))] // PQClean's types are the users
pub(crate) fn wipe<T: Blank>(value: &mut T) {
    if let Some(blank) = T::blank() {
        *value = blank;
    }
    core::hint::black_box(value);
}

/// Copies a [`Blank`] secret out into [`SecretBytes`], then wipes it.
#[cfg_attr(not(feature = "pqclean"), allow(dead_code))] // PQClean's types are the users
pub(crate) fn take<T: Blank>(value: &mut T) -> SecretBytes {
    let secret = SecretBytes::from_slice(value.bytes());
    wipe(value);
    secret
}

/// A [`Blank`] secret kept in one place on the heap for its whole life and wiped on drop.
#[cfg_attr(not(feature = "pqclean"), allow(dead_code))] // PQClean's types are the users
pub(crate) struct Wiped<T: Blank>(Box<T>);

#[cfg_attr(not(feature = "pqclean"), allow(dead_code))] // PQClean's types are the users
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

    /// Where the secret is: its heap place.
    pub(crate) fn region(&self) -> Option<(usize, usize)> {
        region_of(&*self.0)
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

/// An object holding secrets that its owner can dispose of before it is dropped: a
/// binding's handle is dropped when a garbage collector decides, and [`Disposable::dispose`]
/// lets the application wipe the secrets at a time of its choosing.
///
/// The value is shared (`Arc`) with the operations using it, so that an operation running
/// on another thread keeps it alive. `dispose` drops the holder's reference: the value is
/// dropped — and, its secrets being zeroizing types, wiped — at once, or as soon as the last
/// running operation ends. Afterwards [`Disposable::get`] is `DISPOSED`. Disposing twice
/// is harmless.
///
/// ```
/// use pqwire_core::{kem::KemKeyPair, Disposable, KemSuite};
/// let kp = Disposable::new(KemKeyPair::generate(KemSuite::MlKem768, None)?, "KEM key pair");
/// let in_use = kp.get()?; // what an operation holds while it runs
/// kp.dispose();
/// assert_eq!(kp.get().unwrap_err().code(), "DISPOSED");
/// drop(in_use); // the key pair is dropped, its secret key wiped, here
/// kp.dispose(); // again: nothing happens
/// # Ok::<(), pqwire_core::Error>(())
/// ```
pub struct Disposable<T> {
    slot: Mutex<Option<Arc<T>>>,
    what: &'static str,
}

impl<T> Disposable<T> {
    /// Holds `value`; `what` names it in the `DISPOSED` error (`"KEM key pair"`).
    pub fn new(value: T, what: &'static str) -> Self {
        Self {
            slot: Mutex::new(Some(Arc::new(value))),
            what,
        }
    }

    /// The value, shared with the caller for the time of an operation; `DISPOSED` once
    /// [`Disposable::dispose`] was called.
    pub fn get(&self) -> crate::Result<Arc<T>> {
        self.lock()
            .as_ref()
            .map(Arc::clone)
            .ok_or(crate::Error::Disposed { what: self.what })
    }

    /// Drops the holder's reference to the value (see the type's documentation).
    pub fn dispose(&self) {
        let value = self.lock().take();
        drop(value); // outside the lock: dropping wipes, which takes a moment
    }

    /// Whether [`Disposable::dispose`] was called.
    pub fn is_disposed(&self) -> bool {
        self.lock().is_none()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Arc<T>>> {
        // Nothing runs under the lock that could panic half-way: a poisoned lock still
        // holds a consistent slot.
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T> fmt::Debug for Disposable<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.is_disposed() {
            "disposed"
        } else {
            "held"
        };
        write!(f, "Disposable({}: {state})", self.what)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy)]
    struct Key([u8; 8]);

    impl Blank for Key {
        fn blank() -> Option<Self> {
            Some(Key([0; 8]))
        }

        fn bytes(&self) -> &[u8] {
            &self.0
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

    #[test]
    fn take_copies_the_secret_out_and_wipes_the_source() {
        let mut k = Key([5; 8]);
        assert_eq!(take(&mut k).expose(), &[5; 8]);
        assert_eq!(k.0, [0; 8]);
    }
}

#[cfg(test)]
mod disposable_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::kem::KemKeyPair;
    use crate::sig::SigKeyPair;
    use crate::{KemSuite, SigSuite};
    use std::sync::Weak;

    /// The storage of a disposed object is gone: nothing can reach the value any more (a
    /// `Weak` fails to upgrade), so it was dropped, and its zeroizing fields wiped.
    fn assert_gone<T>(weak: &Weak<T>) {
        assert!(weak.upgrade().is_none(), "the value outlived dispose()");
        assert_eq!(weak.strong_count(), 0);
    }

    #[test]
    fn dispose_drops_the_secret_now_and_is_idempotent() {
        let kp = Disposable::new(
            KemKeyPair::generate(KemSuite::XWing, None).unwrap(),
            "KEM key pair",
        );
        let weak = Arc::downgrade(&kp.get().unwrap());
        assert!(weak.upgrade().is_some());
        assert!(!kp.is_disposed());
        kp.dispose();
        assert_gone(&weak);
        assert!(kp.is_disposed());
        let e = kp.get().unwrap_err();
        assert_eq!((e.code(), e.kind()), ("DISPOSED", crate::ErrorKind::State));
        assert_eq!(
            e.to_string(),
            "KEM key pair was disposed; its secrets are wiped"
        );
        kp.dispose();
        assert!(kp.get().is_err());
        assert_eq!(format!("{kp:?}"), "Disposable(KEM key pair: disposed)");
    }

    #[test]
    fn a_running_operation_keeps_the_value_until_it_ends() {
        let kp = Disposable::new(
            SigKeyPair::generate(SigSuite::Ed25519, None).unwrap(),
            "signature key pair",
        );
        let running = kp.get().unwrap();
        let weak = Arc::downgrade(&running);
        kp.dispose();
        assert!(kp.get().is_err());
        // The operation still signs with it...
        assert!(running
            .sign(b"m", b"", crate::sig::SignRandomness::Hedged)
            .is_ok());
        // ...and when it ends, the key pair is gone.
        drop(running);
        assert_gone(&weak);
    }
}
