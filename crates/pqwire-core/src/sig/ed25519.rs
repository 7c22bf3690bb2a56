//! Ed25519 (RFC 8032) behind pqwire's own strict checks of the encodings: AWS-LC's
//! (`aws-lc-rs`, measured faster than `ed25519-dalek` for signing and verification:
//! benches/README.md) in the default build, `ed25519-dalek`'s in the pure-Rust build.
//! Unit tests compare both with `ed25519-dalek`.
//!
//! Strict means: non-canonical encodings of A, R and S are refused, and so are
//! small-order A and R, following RFC 8032 and FIPS 186-5 and going beyond them for the
//! cases they leave open; see `docs/primitives.md`. Ed25519 is deterministic and takes no
//! context, so a context or given randomness is refused.

use super::{single, SigBackend, SignRandomness, Signer, Verification};
use crate::hex::bytes32;
use crate::random::{fixed, given_or_random};
use crate::suite::SigSuite;
use crate::{Error, Result, SecretBytes, SecretMemory};

#[cfg(feature = "aws-lc")]
use super::ed25519_aws_lc as imp;
#[cfg(not(feature = "aws-lc"))]
use super::ed25519_dalek as imp;

/// The build's Ed25519 signing key: AWS-LC's, or `ed25519-dalek`'s in the pure-Rust build.
pub(crate) use imp::SigningKey;

/// The Ed25519 signing key of lockable key pairs (`SigKeyPair::generate_lockable`):
/// `ed25519-dalek`'s, inline in its holder, where AWS-LC (whose keys live in its own heap)
/// is built next to it; otherwise the build's own [`SigningKey`] (`ed25519-dalek`'s in the
/// pure-Rust build; AWS-LC's in a build without `rustcrypto`, not within reach).
#[cfg(all(feature = "aws-lc", feature = "rustcrypto"))]
pub(crate) type LockableKey = super::ed25519_dalek::SigningKey;
/// See the `aws-lc` and `rustcrypto` build's definition.
#[cfg(not(all(feature = "aws-lc", feature = "rustcrypto")))]
pub(crate) type LockableKey = SigningKey;

/// An Ed25519 signing key as one implementation holds it (AWS-LC's, `ed25519-dalek`'s).
/// Both compute the same deterministic signatures (the unit tests compare them).
pub(crate) trait Key: Send + Sync + Sized + 'static {
    /// The name `SigBackend::backend_name` reports.
    const NAME: &'static str;
    /// Loads a signing key from its 32-byte seed.
    fn from_seed(seed: &[u8]) -> Result<Self>;
    /// Where the key is, beyond this value's own storage ([`Signer::secret_heap`]).
    fn secret_heap(&self) -> SecretMemory;
    /// The 32-byte public key.
    fn public_key(&self) -> Result<[u8; 32]>;
    /// The 64-byte signature of `message`.
    fn sign(&self, message: &[u8]) -> Vec<u8>;
}

/// Ed25519, its signing keys held as `K`; verification is the build's whatever `K`.
pub(crate) struct Ed25519<K = SigningKey>(core::marker::PhantomData<fn() -> K>);
/// The default: the build's Ed25519.
pub(crate) static ED25519: Ed25519 = Ed25519(core::marker::PhantomData);
/// Lockable key pairs' ([`LockableKey`]).
pub(crate) static ED25519_LOCKABLE: Ed25519<LockableKey> = Ed25519(core::marker::PhantomData);

struct Loaded<K>(K);

/// Length of the `seed ‖ publicKey` form of a secret key (libsodium's, RFC 8032's
/// "private key" followed by its public key).
pub(crate) const KEYPAIR_LEN: usize = 64;

/// Loads a secret key given as its 32-byte seed or as the 64-byte `seed ‖ publicKey`
/// most Ed25519 code hands around. The public half of the 64-byte form must be the
/// seed's public key (`INVALID_KEY` otherwise, compared in constant time): signing with
/// a wrong public half would give signatures nobody verifies, and signing one message
/// under two public halves would reveal the secret scalar.
fn load<K: Key>(secret_key: &[u8]) -> Result<K> {
    if secret_key.len() != KEYPAIR_LEN {
        return K::from_seed(secret_key);
    }
    let (seed, public_half) = secret_key.split_at(32);
    let key = K::from_seed(seed)?;
    if bool::from(subtle::ConstantTimeEq::ct_eq(
        &key.public_key()?[..],
        public_half,
    )) {
        Ok(key)
    } else {
        Err(Error::InvalidKey {
            what: "Ed25519 secret key: its public half is not the seed's public key",
        })
    }
}

fn refuse_options(context: &[u8], randomness: SignRandomness<'_>) -> Result<()> {
    if !context.is_empty() {
        return Err(Error::InvalidArgument {
            what: "Ed25519 takes no context string",
        });
    }
    if let SignRandomness::Given(_) = randomness {
        return Err(Error::InvalidArgument {
            what: "Ed25519 signing is deterministic and takes no randomness",
        });
    }
    Ok(())
}

impl<K: Key> Signer for Loaded<K> {
    fn sign(&self, msg: &[u8], ctx: &[u8], randomness: SignRandomness<'_>) -> Result<Vec<u8>> {
        refuse_options(ctx, randomness)?;
        Ok(self.0.sign(msg))
    }

    fn secret_heap(&self) -> SecretMemory {
        self.0.secret_heap()
    }
}

/// The y-coordinates (little-endian, sign bit clear) of the eight points of small order:
/// 1 (the identity), p − 1 (order 2), 0 (order 4) and ±y₈ (order 8). With canonical
/// encodings required, a point has small order exactly when its y is one of these
/// (libsodium checks the same list).
const SMALL_ORDER_Y: [[u8; 32]; 5] = [
    bytes32("0000000000000000000000000000000000000000000000000000000000000000"), // order 4
    bytes32("0100000000000000000000000000000000000000000000000000000000000000"), // identity
    bytes32("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), // order 2
    bytes32("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"), // order 8
    bytes32("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"), // order 8
];

/// The group order L = 2^252 + 27742317777372353535851937790883648493, little-endian.
const ORDER: [u8; 32] = bytes32("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");

/// `a < b` for little-endian 256-bit numbers.
fn less_than(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().rev().cmp(b.iter().rev()) == core::cmp::Ordering::Less
}

/// A point encoding pqwire accepts for A or R: its y is canonical (below p = 2^255 − 19)
/// and not that of a small-order point. Whether it is on the curve at all is left to
/// AWS-LC, which decodes A and compares R with the canonical encoding it computes.
fn acceptable_point(encoding: &[u8; 32]) -> bool {
    let mut y = *encoding;
    y[31] &= 0x7f;
    // p − 1 is the largest canonical y: ec ff .. ff 7f.
    let canonical = !(y[31] == 0x7f && y[1..31].iter().all(|&b| b == 0xff) && y[0] >= 0xed);
    canonical && !SMALL_ORDER_Y.contains(&y)
}

/// Strict Ed25519 verification of raw bytes; wrong sizes and bad encodings are `false`.
///
/// pqwire's checks come first (canonical A and R, neither of small order, S below the
/// group order), then the implementation's cofactorless equation, which hashes A and R as
/// given and compares R with the encoding of [S]B − [k]A. Together these refuse what
/// `ed25519-dalek`'s `verify_strict` refuses (unit tests and the CCTV edge cases check it);
/// AWS-LC's takes about 85% of its cost.
pub(crate) fn verify_strict(signature: &[u8], message: &[u8], public_key: &[u8]) -> Result<bool> {
    let pk = fixed::<32>("Ed25519 public key", public_key)?;
    let Ok(sig) = <[u8; 64]>::try_from(signature) else {
        return Ok(false);
    };
    let (r, s) = sig.split_at(32);
    let r: [u8; 32] = fixed("Ed25519 R", r)?;
    let s: [u8; 32] = fixed("Ed25519 S", s)?;
    if !acceptable_point(&pk) || !acceptable_point(&r) || !less_than(&s, &ORDER) {
        return Ok(false);
    }
    Ok(imp::verify_equation(&pk, message, &sig))
}

impl<K: Key> SigBackend for Ed25519<K> {
    fn suite(&self) -> SigSuite {
        SigSuite::Ed25519
    }

    fn backend_name(&self) -> &'static str {
        K::NAME
    }

    fn keygen(&self, seed: Option<&[u8]>) -> Result<(Vec<u8>, SecretBytes)> {
        let seed = given_or_random::<32>("Ed25519 key generation seed", seed)?;
        let sk = K::from_seed(seed.as_ref())?;
        Ok((
            sk.public_key()?.to_vec(),
            SecretBytes::from_slice(seed.as_ref()),
        ))
    }

    fn load_secret_key(&self, secret_key: &[u8]) -> Result<Box<dyn Signer>> {
        Ok(Box::new(Loaded(load::<K>(secret_key)?)))
    }

    fn public_key(&self, secret_key: &[u8]) -> Result<Vec<u8>> {
        Ok(load::<K>(secret_key)?.public_key()?.to_vec())
    }

    fn verify(&self, sig: &[u8], msg: &[u8], pk: &[u8], ctx: &[u8]) -> Result<Verification> {
        refuse_options(ctx, SignRandomness::Deterministic)?;
        Ok(single(SigSuite::Ed25519, verify_strict(sig, msg, pk)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::Signer as _;

    /// pqwire (AWS-LC) and `ed25519-dalek` must derive the same public key and, Ed25519 being
    /// deterministic, the same signature; a wrong byte anywhere fails verification.
    #[test]
    fn aws_lc_signs_like_dalek() {
        for i in 0u32..200 {
            let seed = crate::hash::sha3_256(&[b"ed25519 differential", &i.to_be_bytes()]);
            let message = vec![i as u8; i as usize * 7];
            let ours = SigningKey::from_seed(&seed).unwrap();
            let reference = ed25519_dalek::SigningKey::from_bytes(&seed);
            let pk = ours.public_key().unwrap();
            assert_eq!(pk, reference.verifying_key().to_bytes(), "public key {i}");
            let sig = ours.sign(&message);
            assert_eq!(
                sig,
                reference.sign(&message).to_bytes().to_vec(),
                "signature {i}"
            );
            assert!(verify_strict(&sig, &message, &pk).unwrap());
            let mut bad = sig.clone();
            bad[i as usize % 64] ^= 1;
            assert!(!verify_strict(&bad, &message, &pk).unwrap());
        }
    }

    /// `ed25519-dalek`'s `verify_strict`, the reference for what strict means.
    fn dalek_strict(sig: &[u8; 64], message: &[u8], pk: &[u8; 32]) -> bool {
        ed25519_dalek::VerifyingKey::from_bytes(pk).is_ok_and(|vk| {
            vk.verify_strict(message, &ed25519_dalek::Signature::from_bytes(sig))
                .is_ok()
        })
    }

    /// Adds L to the little-endian scalar `s` (a non-canonical S for the same signature).
    fn plus_order(s: &[u8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        let mut carry = 0u16;
        for i in 0..32 {
            let v = u16::from(s[i]) + u16::from(ORDER[i]) + carry;
            out[i] = v as u8;
            carry = v >> 8;
        }
        out
    }

    /// pqwire (AWS-LC behind its checks) accepts and refuses exactly what dalek's
    /// `verify_strict` does: genuine signatures, any one bit flipped in the signature, the
    /// key or the message, S + L, small-order and non-canonical A and R, each sign bit.
    #[test]
    fn verification_agrees_with_dalek() {
        let mut cases: Vec<([u8; 64], Vec<u8>, [u8; 32])> = Vec::new();
        for i in 0u32..120 {
            let seed = crate::hash::sha3_256(&[b"ed25519 verify", &i.to_be_bytes()]);
            let key = SigningKey::from_seed(&seed).unwrap();
            let pk = key.public_key().unwrap();
            let message = vec![(i * 13) as u8; (i as usize * 5) % 300];
            let sig: [u8; 64] = key.sign(&message).try_into().unwrap();
            cases.push((sig, message.clone(), pk));
            let bit = i as usize * 11;
            let mut s = sig;
            s[bit % 64] ^= 1 << (bit % 8);
            cases.push((s, message.clone(), pk));
            let mut k = pk;
            k[bit % 32] ^= 1 << (i % 8);
            cases.push((sig, message.clone(), k));
            let mut m = message.clone();
            m.push(1);
            cases.push((sig, m, pk));
            let mut big_s = sig;
            big_s[32..].copy_from_slice(&plus_order(&sig[32..]));
            cases.push((big_s, message.clone(), pk));
        }
        // Small-order and non-canonical encodings as A and as R, both sign bits.
        let mut odd = SMALL_ORDER_Y.to_vec();
        for k in 0u8..19 {
            let mut y = [0xff; 32];
            y[0] = 0xed + k;
            y[31] = 0x7f;
            odd.push(y); // p + k: y ≥ p
        }
        let (sig, message, pk) = cases[0].clone();
        for y in odd {
            for sign in [0u8, 0x80] {
                let mut e = y;
                e[31] |= sign;
                cases.push((sig, message.clone(), e));
                let mut r = sig;
                r[..32].copy_from_slice(&e);
                cases.push((r, message.clone(), pk));
                // A small-order key with an identity-like R and S = 0 verifies under the
                // cofactorless equation for some messages: refused as a key anyway.
                let mut trivial = [0u8; 64];
                trivial[..32].copy_from_slice(&e);
                cases.push((trivial, message.clone(), e));
            }
        }
        let mut accepted = 0;
        for (i, (sig, message, pk)) in cases.iter().enumerate() {
            let ours = verify_strict(sig, message, pk).unwrap();
            assert_eq!(ours, dalek_strict(sig, message, pk), "case {i}");
            accepted += usize::from(ours);
        }
        assert_eq!(accepted, 120, "exactly the genuine signatures verify");
    }

    #[test]
    fn the_small_order_list_is_the_eight_torsion() {
        // Every listed y that decodes (either sign) is a point dalek calls weak (small
        // order), and a genuine key is not listed.
        let mut decoded = 0;
        for y in SMALL_ORDER_Y {
            for sign in [0u8, 0x80] {
                let mut e = y;
                e[31] |= sign;
                assert!(!acceptable_point(&e));
                if let Ok(vk) = ed25519_dalek::VerifyingKey::from_bytes(&e) {
                    assert!(vk.is_weak(), "{e:02x?}");
                    decoded += 1;
                }
            }
        }
        assert!(decoded >= 8, "the eight small-order points decode");
        let pk = SigningKey::from_seed(&[3; 32])
            .unwrap()
            .public_key()
            .unwrap();
        assert!(acceptable_point(&pk));
    }

    #[test]
    fn wrong_seed_length_is_refused() {
        assert!(matches!(
            SigningKey::from_seed(&[0; 31]),
            Err(Error::BadLength { .. })
        ));
    }

    #[test]
    fn a_seed_and_public_key_sign_like_the_seed_and_a_wrong_public_half_is_invalid_key() {
        let (pk, seed) = ED25519.keygen(Some(&[9; 32])).unwrap();
        let mut pair = seed.expose().to_vec();
        pair.extend_from_slice(&pk);
        let msg = b"message";
        let det = SignRandomness::Deterministic;
        let from_seed = ED25519.sign(msg, seed.expose(), b"", det).unwrap();
        assert_eq!(ED25519.sign(msg, &pair, b"", det).unwrap(), from_seed);
        assert_eq!(ED25519.public_key(&pair).unwrap(), pk);
        assert!(ED25519.verify(&from_seed, msg, &pk, b"").unwrap().valid);
        // Every flipped bit of the public half, and another key's public half, refused.
        let (other, _) = ED25519.keygen(Some(&[10; 32])).unwrap();
        let mut bad: Vec<Vec<u8>> = (32..64)
            .map(|i| {
                let mut v = pair.clone();
                v[i] ^= 1;
                v
            })
            .collect();
        bad.push([seed.expose(), &other[..]].concat());
        for v in bad {
            let e = ED25519.sign(msg, &v, b"", det).map(|_| ()).unwrap_err();
            assert_eq!(e.code(), "INVALID_KEY");
            assert_eq!(ED25519.public_key(&v).unwrap_err().code(), "INVALID_KEY");
            assert!(ED25519.load_secret_key(&v).is_err());
        }
        // Other lengths stay BAD_LENGTH.
        for n in [0, 31, 33, 63, 65] {
            let e = ED25519
                .sign(msg, &vec![1; n], b"", det)
                .map(|_| ())
                .unwrap_err();
            assert_eq!(e.code(), "BAD_LENGTH", "{n}");
        }
    }
}
