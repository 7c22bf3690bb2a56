//! X25519 (RFC 7748) key agreement. An all-zero shared secret (a low-order peer key)
//! is refused with `NON_CONTRIBUTORY`.
//!
//! The implementation is AWS-LC's (through `aws-lc-rs`) in the default build: on x86-64
//! with BMI2/ADX it runs s2n-bignum's formally verified assembly, about twice as fast as
//! `x25519-dalek`'s serial ladder (docs/primitives.md, "Backends and why"). The pure-Rust
//! build uses `x25519-dalek`. The unit tests compare pqwire's with `x25519-dalek`.
//!
//! Lockable key pairs (`KemKeyPair::generate_lockable`) hold their X25519 key as a
//! `LockableSecret`: `x25519-dalek`'s key inline in the holder, wherever AWS-LC is built
//! next to it (with the `rustcrypto` feature), so that all of it is in memory pqwire can
//! report for locking.

use crate::hex::bytes32;
use crate::random::{fixed, given_or_random};
use crate::{Error, Result, SecretBytes, SecretMemory};
use std::sync::{Arc, OnceLock};
use subtle::ConstantTimeEq;

#[cfg(feature = "aws-lc")]
mod aws_lc;
// The pure-Rust build's X25519, and in a build with both, the one of lockable key pairs.
#[cfg(feature = "rustcrypto")]
mod dalek;
#[cfg(feature = "aws-lc")]
use aws_lc as imp;
#[cfg(not(feature = "aws-lc"))]
use dalek as imp;

/// Length of X25519 secret keys, public keys and shared secrets.
pub const KEY_LEN: usize = 32;

fn private_key(secret_key: &[u8]) -> Result<imp::Loaded> {
    imp::load(&fixed::<KEY_LEN>("X25519 secret key", secret_key)?)
}

/// Derives the public key of a 32-byte secret key.
pub fn public_key(secret_key: &[u8]) -> Result<[u8; 32]> {
    imp::public_key(&private_key(secret_key)?)
}

/// Generates a key pair; the secret key is `seed` when given (32 bytes), else random.
///
/// ```
/// let (sk, pk) = pqwire_core::x25519::keygen(Some(&[9u8; 32])).unwrap();
/// assert_eq!(pqwire_core::x25519::public_key(sk.expose()).unwrap(), pk);
/// ```
pub fn keygen(seed: Option<&[u8]>) -> Result<(SecretBytes, [u8; 32])> {
    let sk = given_or_random::<32>("X25519 seed", seed)?;
    let pk = public_key(sk.as_ref())?;
    Ok((SecretBytes::from_slice(sk.as_ref()), pk))
}

/// Computes the shared secret of `secret_key` and a peer's `public_key`.
/// Fails with `NON_CONTRIBUTORY` when the result is all zero.
///
/// ```
/// use pqwire_core::x25519;
/// let (a, a_pub) = x25519::keygen(None).unwrap();
/// let (b, b_pub) = x25519::keygen(None).unwrap();
/// let ab = x25519::shared_secret(a.expose(), &b_pub).unwrap();
/// assert!(ab.ct_eq_bytes(x25519::shared_secret(b.expose(), &a_pub).unwrap().expose()));
/// assert!(x25519::shared_secret(a.expose(), &[0u8; 32]).is_err()); // low order
/// ```
pub fn shared_secret(secret_key: &[u8], public_key: &[u8]) -> Result<SecretBytes> {
    agree(&private_key(secret_key)?, public_key)
}

fn agree(secret_key: &imp::Loaded, public_key: &[u8]) -> Result<SecretBytes> {
    imp::agree(secret_key, &fixed::<32>("X25519 public key", public_key)?)
}

/// The encodings of the points whose X25519 output is all zero for every secret key:
/// the five u-coordinates of order dividing 8 on the curve and its twist (0, 1, p − 1 and
/// the two of order 8), and the non-canonical p and p + 1, the top bit cleared (RFC 7748
/// ignores it); libsodium checks the same list. A unit test shows that every entry gives
/// an all-zero output in both AWS-LC and dalek, and that its neighbours do not.
const LOW_ORDER: [[u8; KEY_LEN]; 7] = [
    bytes32("0000000000000000000000000000000000000000000000000000000000000000"), // 0
    bytes32("0100000000000000000000000000000000000000000000000000000000000000"), // 1
    bytes32("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"), // order 8
    bytes32("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"), // order 8
    bytes32("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), // p - 1
    bytes32("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), // p
    bytes32("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), // p + 1
];

/// True when `public_key` is a low-order point: every agreement with it is all zero
/// (`NON_CONTRIBUTORY`). A comparison against the seven such encodings, so a peer key
/// can be refused when it arrives (a ratchet key, a restored record) without the cost of
/// an agreement. Public keys only: the comparison is not constant-time.
///
/// ```
/// use pqwire_core::x25519;
/// assert!(x25519::is_low_order(&[0; 32]));
/// assert!(!x25519::is_low_order(&x25519::keygen(None).unwrap().1));
/// ```
pub fn is_low_order(public_key: &[u8; KEY_LEN]) -> bool {
    let mut u = *public_key;
    u[KEY_LEN - 1] &= 0x7f;
    LOW_ORDER.contains(&u)
}

/// A secret key loaded once for several agreements, with its public key.
///
/// [`StaticSecret::from_bytes`] derives the public key when it loads the secret key (a
/// base-point multiplication, about a third of an agreement), so keys used more than
/// once, such as the ratchet's own key, are loaded once. [`StaticSecret::from_stored`]
/// takes both halves as stored together (a session record, behind its checksum) and
/// loads nothing until the first agreement: restoring a ratchet derives no public key
/// (protocol.md §6.5). Cloning shares the loaded key.
#[derive(Clone)]
pub struct StaticSecret {
    secret: SecretBytes,
    public: [u8; KEY_LEN],
    /// Loaded at construction ([`StaticSecret::from_bytes`]) or at the first agreement
    /// ([`StaticSecret::from_stored`]).
    loaded: OnceLock<Arc<imp::Loaded>>,
}

impl StaticSecret {
    /// Loads a 32-byte secret key and derives its public key.
    ///
    /// ```
    /// use pqwire_core::x25519;
    /// let a = x25519::StaticSecret::from_bytes(&[1; 32]).unwrap();
    /// let (b, b_pub) = x25519::keygen(None).unwrap();
    /// assert_eq!(*a.public_key(), x25519::public_key(&[1; 32]).unwrap());
    /// let ab = a.shared_secret(&b_pub).unwrap();
    /// assert!(ab.ct_eq_bytes(x25519::shared_secret(b.expose(), a.public_key()).unwrap().expose()));
    /// ```
    pub fn from_bytes(secret_key: &[u8]) -> Result<Self> {
        let loaded = private_key(secret_key)?;
        Ok(Self {
            secret: SecretBytes::from_slice(secret_key),
            public: imp::public_key(&loaded)?,
            loaded: OnceLock::from(Arc::new(loaded)),
        })
    }

    /// A key pair stored together (a record behind its checksum), taken as it is: no
    /// public key is derived now. The secret key is loaded at the first agreement, which
    /// derives the public key anyway (AWS-LC does when it loads an X25519 key) and refuses
    /// one that does not match (`INVALID_KEY`), so a pair that does not belong together
    /// can never agree on anything.
    ///
    /// ```
    /// use pqwire_core::x25519;
    /// let (sk, pk) = x25519::keygen(None).unwrap();
    /// let (_, peer) = x25519::keygen(None).unwrap();
    /// let stored = x25519::StaticSecret::from_stored(sk.clone(), pk).unwrap();
    /// assert_eq!(*stored.public_key(), pk);
    /// assert!(stored.shared_secret(&peer).unwrap().ct_eq_bytes(x25519::shared_secret(sk.expose(), &peer).unwrap().expose()));
    /// let wrong = x25519::StaticSecret::from_stored(sk, peer).unwrap();
    /// assert!(matches!(wrong.shared_secret(&pk), Err(pqwire_core::Error::InvalidKey { .. })));
    /// ```
    pub fn from_stored(secret_key: SecretBytes, public_key: [u8; KEY_LEN]) -> Result<Self> {
        fixed::<KEY_LEN>("X25519 secret key", secret_key.expose())?;
        Ok(Self {
            secret: secret_key,
            public: public_key,
            loaded: OnceLock::new(),
        })
    }

    /// The loaded secret key, loading (and checking against the public key) on first use.
    fn loaded(&self) -> Result<&imp::Loaded> {
        if let Some(loaded) = self.loaded.get() {
            return Ok(loaded);
        }
        let loaded = private_key(self.secret.expose())?;
        // Constant time up to the verdict: the derived key comes from the secret, though
        // both keys are public (every header of the chain carries this one).
        let derived = imp::public_key(&loaded)?;
        if !bool::from(derived.ct_eq(&self.public)) {
            return Err(Error::InvalidKey {
                what: "the X25519 public key does not belong to the secret key",
            });
        }
        Ok(self.loaded.get_or_init(|| Arc::new(loaded)))
    }

    /// Where the secret is, beyond this value's own storage (which holds none of it): the
    /// secret key's bytes and the loaded key (`x25519-dalek`'s, in its shared place; not
    /// complete with AWS-LC, which keeps it in its own heap, nor before the first
    /// agreement of a [`StaticSecret::from_stored`], which loads it then).
    pub(crate) fn secret_heap(&self) -> SecretMemory {
        let bytes = SecretMemory::all([self.secret.region()]);
        match self.loaded.get() {
            Some(loaded) => bytes.and(imp::loaded_memory(loaded)),
            None => bytes.and(SecretMemory::unknown()),
        }
    }

    /// The secret key bytes (for serialization).
    pub fn secret(&self) -> &SecretBytes {
        &self.secret
    }

    /// The public key.
    pub fn public_key(&self) -> &[u8; KEY_LEN] {
        &self.public
    }

    /// [`shared_secret`] with this key: `NON_CONTRIBUTORY` for a low-order peer key.
    pub fn shared_secret(&self, public_key: &[u8]) -> Result<SecretBytes> {
        agree(self.loaded()?, public_key)
    }

    /// The raw X25519 function: the all-zero output of a low-order peer key is returned
    /// as it is. Only X-Wing-style combiners want this (they hash in the ML-KEM secret
    /// too); everything else uses [`StaticSecret::shared_secret`].
    pub(crate) fn raw_shared_secret(&self, public_key: &[u8]) -> Result<SecretBytes> {
        match self.shared_secret(public_key) {
            Err(Error::NonContributory) => Ok(SecretBytes::from_slice(&[0u8; KEY_LEN])),
            other => other,
        }
    }
}

impl PartialEq for StaticSecret {
    fn eq(&self, other: &Self) -> bool {
        self.public == other.public && self.secret.ct_eq_bytes(other.secret.expose())
    }
}

impl Eq for StaticSecret {}

/// An X25519 secret key held for agreements, as the KEMs hold one: [`StaticSecret`] (the
/// build's implementation, the default) or [`LockableSecret`] (lockable key pairs).
/// Generic code over this trait compiles to the same calls as [`StaticSecret`]'s own.
pub(crate) trait SecretKey: Send + Sync + Sized + 'static {
    /// A key pair, as [`keygen`]: the secret key is `seed` when given, else random.
    fn keygen(seed: Option<&[u8]>) -> Result<(SecretBytes, [u8; KEY_LEN])>;
    /// Loads a 32-byte secret key and derives its public key.
    fn load(secret_key: &[u8]) -> Result<Self>;
    /// The public key.
    fn public_key(&self) -> &[u8; KEY_LEN];
    /// The shared secret with a peer's public key: `NON_CONTRIBUTORY` when all zero.
    fn shared_secret(&self, public_key: &[u8]) -> Result<SecretBytes>;
    /// Where the secret is, beyond this value's own storage ([`StaticSecret::secret_heap`]).
    fn secret_heap(&self) -> SecretMemory;

    /// The raw X25519 function ([`StaticSecret::raw_shared_secret`]): an all-zero output
    /// is returned as it is.
    fn raw_shared_secret(&self, public_key: &[u8]) -> Result<SecretBytes> {
        match self.shared_secret(public_key) {
            Err(Error::NonContributory) => Ok(SecretBytes::from_slice(&[0u8; KEY_LEN])),
            other => other,
        }
    }
}

impl SecretKey for StaticSecret {
    fn keygen(seed: Option<&[u8]>) -> Result<(SecretBytes, [u8; KEY_LEN])> {
        keygen(seed)
    }

    fn load(secret_key: &[u8]) -> Result<Self> {
        StaticSecret::from_bytes(secret_key)
    }

    fn public_key(&self) -> &[u8; KEY_LEN] {
        StaticSecret::public_key(self)
    }

    fn shared_secret(&self, public_key: &[u8]) -> Result<SecretBytes> {
        StaticSecret::shared_secret(self, public_key)
    }

    fn secret_heap(&self) -> SecretMemory {
        StaticSecret::secret_heap(self)
    }

    fn raw_shared_secret(&self, public_key: &[u8]) -> Result<SecretBytes> {
        StaticSecret::raw_shared_secret(self, public_key)
    }
}

/// The X25519 key of lockable key pairs: [`DalekSecret`] where AWS-LC (whose keys live in
/// its own heap) and `x25519-dalek` are both built; otherwise the build's own
/// [`StaticSecret`] (`x25519-dalek`'s, within reach, in the pure-Rust build; AWS-LC's,
/// not, in a build without the `rustcrypto` feature, where lockable key pairs are then
/// the normal ones and say so).
#[cfg(all(feature = "aws-lc", feature = "rustcrypto"))]
pub(crate) type LockableSecret = DalekSecret;
/// See the `aws-lc` and `rustcrypto` build's definition.
#[cfg(not(all(feature = "aws-lc", feature = "rustcrypto")))]
pub(crate) type LockableSecret = StaticSecret;

/// An X25519 secret key held by `x25519-dalek` in a build whose X25519 is AWS-LC's: the
/// key (an array, wiped on drop) inline in this value, so that its holder's storage is all
/// of it. It computes the same function as AWS-LC's (the unit tests compare them).
#[cfg(all(feature = "aws-lc", feature = "rustcrypto"))]
pub(crate) struct DalekSecret {
    key: dalek::Loaded,
    public: [u8; KEY_LEN],
}

#[cfg(all(feature = "aws-lc", feature = "rustcrypto"))]
impl SecretKey for DalekSecret {
    fn keygen(seed: Option<&[u8]>) -> Result<(SecretBytes, [u8; KEY_LEN])> {
        let sk = given_or_random::<32>("X25519 seed", seed)?;
        let pk = dalek::public_key(&dalek::load(&sk)?)?;
        Ok((SecretBytes::from_slice(sk.as_ref()), pk))
    }

    fn load(secret_key: &[u8]) -> Result<Self> {
        let bytes = zeroize::Zeroizing::new(fixed::<KEY_LEN>("X25519 secret key", secret_key)?);
        let key = dalek::load(&bytes)?;
        Ok(Self {
            public: dalek::public_key(&key)?,
            key,
        })
    }

    fn public_key(&self) -> &[u8; KEY_LEN] {
        &self.public
    }

    fn shared_secret(&self, public_key: &[u8]) -> Result<SecretBytes> {
        dalek::agree(&self.key, &fixed::<32>("X25519 public key", public_key)?)
    }

    fn secret_heap(&self) -> SecretMemory {
        // The key is inline: in the storage of whatever holds this value.
        SecretMemory::all([])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use x25519_dalek::{PublicKey, StaticSecret};

    /// pqwire's X25519 (AWS-LC's in the default build) must agree with `x25519-dalek` on
    /// public keys and shared secrets, including peer keys with
    /// the top bit set and non-canonical encodings, which RFC 7748 says to accept.
    #[test]
    fn aws_lc_agrees_with_dalek() {
        for i in 0u32..300 {
            let sk = crate::hash::sha3_256(&[b"x25519 sk", &i.to_be_bytes()]);
            let mut peer = crate::hash::sha3_256(&[b"x25519 peer", &i.to_be_bytes()]);
            if i % 3 == 0 {
                peer[31] |= 0x80; // top bit set: masked
            }
            if i == 1 {
                peer = [0xff; 32]; // non-canonical (>= p): reduced
                peer[31] = 0x7f;
            }
            let dalek_sk = StaticSecret::from(sk);
            assert_eq!(
                public_key(&sk).unwrap(),
                PublicKey::from(&dalek_sk).to_bytes()
            );
            let ours = shared_secret(&sk, &peer).unwrap();
            let theirs = dalek_sk.diffie_hellman(&PublicKey::from(peer));
            assert!(theirs.was_contributory());
            assert_eq!(ours.expose(), theirs.as_bytes(), "shared secret {i}");
        }
    }

    /// The X25519 key of lockable key pairs (`x25519-dalek`'s, held inline) against the
    /// build's (AWS-LC's): same public keys, same shared secrets, the same refusals and raw
    /// zeros for low-order points, the same generated key pairs from a seed.
    #[cfg(all(feature = "aws-lc", feature = "rustcrypto"))]
    #[test]
    fn the_lockable_key_agrees_with_the_default() {
        let held = |k: &DalekSecret| SecretKey::secret_heap(k);
        for i in 0u32..200 {
            let sk = crate::hash::sha3_256(&[b"lockable sk", &i.to_be_bytes()]);
            let peer = crate::hash::sha3_256(&[b"lockable peer", &i.to_be_bytes()]);
            let ours = <DalekSecret as SecretKey>::load(&sk).unwrap();
            let theirs = super::StaticSecret::from_bytes(&sk).unwrap();
            assert_eq!(SecretKey::public_key(&ours), theirs.public_key());
            let a = SecretKey::shared_secret(&ours, &peer).unwrap();
            assert_eq!(a, theirs.shared_secret(&peer).unwrap(), "{i}");
            assert!(held(&ours).complete && held(&ours).regions.is_empty());
            assert_eq!(
                <DalekSecret as SecretKey>::keygen(Some(&sk)).unwrap().1,
                keygen(Some(&sk)).unwrap().1
            );
        }
        let k = <DalekSecret as SecretKey>::load(&[7; 32]).unwrap();
        for point in &LOW_ORDER {
            assert!(matches!(
                SecretKey::shared_secret(&k, point),
                Err(Error::NonContributory)
            ));
            assert_eq!(k.raw_shared_secret(point).unwrap().expose(), &[0u8; 32]);
        }
        assert!(matches!(
            <DalekSecret as SecretKey>::load(&[1; 31]),
            Err(Error::BadLength { .. })
        ));
        assert!(matches!(
            SecretKey::shared_secret(&k, &[1; 33]),
            Err(Error::BadLength { .. })
        ));
    }

    /// Low-order points give an all-zero output: refused by `shared_secret`,
    /// returned as zeros by `raw_shared_secret` (what `x25519-dalek` computes).
    #[test]
    fn low_order_points() {
        let sk = [7u8; 32];
        let mut order8 = [0u8; 32];
        order8[0] = 1; // u = 1: a low-order point, the clamped ladder yields 0
        for point in [[0u8; 32], order8] {
            assert!(matches!(
                shared_secret(&sk, &point),
                Err(Error::NonContributory)
            ));
            let raw = super::StaticSecret::from_bytes(&sk)
                .unwrap()
                .raw_shared_secret(&point)
                .unwrap();
            assert_eq!(raw.expose(), &[0u8; 32]);
            let dalek = StaticSecret::from(sk).diffie_hellman(&PublicKey::from(point));
            assert_eq!(dalek.as_bytes(), &[0u8; 32]);
        }
        assert!(matches!(
            shared_secret(&sk, &[1; 31]),
            Err(Error::BadLength { .. })
        ));
        assert!(matches!(public_key(&[1; 33]), Err(Error::BadLength { .. })));
    }

    /// `is_low_order` against the agreements themselves: each listed encoding, with the
    /// top bit clear or set, gives an all-zero output in AWS-LC and in dalek for several
    /// secret keys; its neighbours and random keys give a contributory one and are not
    /// listed.
    #[test]
    fn is_low_order_matches_the_agreement() {
        let secrets: Vec<[u8; 32]> = (0u8..4)
            .map(|i| crate::hash::sha3_256(&[b"low order sk", &[i]]))
            .collect();
        let zero_everywhere = |u: &[u8; 32]| {
            secrets.iter().all(|sk| {
                let dalek = StaticSecret::from(*sk).diffie_hellman(&PublicKey::from(*u));
                let ours = shared_secret(sk, u);
                assert_eq!(
                    !dalek.was_contributory(),
                    matches!(ours, Err(Error::NonContributory)),
                    "AWS-LC and dalek disagree on {u:02x?}"
                );
                !dalek.was_contributory()
            })
        };
        for listed in LOW_ORDER {
            for top in [0u8, 0x80] {
                let mut u = listed;
                u[31] |= top;
                assert!(is_low_order(&u));
                assert!(zero_everywhere(&u), "{u:02x?} is listed but contributory");
                for delta in [1u8, 2] {
                    let mut near = u;
                    near[0] = near[0].wrapping_add(delta);
                    if !LOW_ORDER.contains(&{
                        let mut m = near;
                        m[31] &= 0x7f;
                        m
                    }) {
                        assert!(!is_low_order(&near));
                        assert!(!zero_everywhere(&near), "{near:02x?} is not listed");
                    }
                }
            }
        }
        for i in 0u32..200 {
            let u = crate::hash::sha3_256(&[b"random peer", &i.to_be_bytes()]);
            assert!(!is_low_order(&u));
            assert!(!zero_everywhere(&u));
        }
    }
}
