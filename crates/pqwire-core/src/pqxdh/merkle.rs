//! The Merkle tree over a prekey batch's KEM and one-time keys (protocol.md §3.2), in
//! RFC 6962's shape, written by hand (small and ours):
//!
//! ```text
//! leaf(kind, i, pk) = SHA3-256("pqwire/v2 prekey leaf" ‖ u8(kind) ‖ u32(i) ‖ pk)
//! node(l, r)        = SHA3-256(0x01 ‖ l ‖ r)
//! MTH({})           = SHA3-256("")
//! MTH({d0})         = d0
//! MTH(D[n])         = node(MTH(D[0..k]), MTH(D[k..n])), k the largest power of two < n
//! ```
//!
//! A proof for leaf `i` of `n` is the sibling hashes bottom-up (RFC 6962 §2.1.1's audit
//! path); its length is fixed by `i` and `n`, so a proof of the wrong length is refused.

use crate::hash::sha3_256;
use subtle::ConstantTimeEq;

/// First bytes of a leaf hash's input.
pub const LABEL_LEAF: &[u8] = b"pqwire/v2 prekey leaf";
/// Length of a hash (leaf, node, root, proof element).
pub const HASH_LEN: usize = 32;
/// Most leaves a tree may have (the depth of a proof stays ≤ 32 hashes).
pub const MAX_LEAVES: usize = 1 << 20;

/// Leaf kind of the last-resort ML-KEM prekey (`PQLR`, leaf 0).
pub const LEAF_LAST_RESORT_KEM: u8 = 0x01;
/// Leaf kind of a one-time ML-KEM prekey (`PQOPK`).
pub const LEAF_ONE_TIME_KEM: u8 = 0x02;
/// Leaf kind of a one-time X25519 prekey (`OPK`).
pub const LEAF_ONE_TIME: u8 = 0x03;

/// A leaf hash.
pub fn leaf_hash(kind: u8, index: u32, public_key: &[u8]) -> [u8; HASH_LEN] {
    sha3_256(&[LABEL_LEAF, &[kind], &index.to_be_bytes(), public_key])
}

fn node(left: &[u8; HASH_LEN], right: &[u8; HASH_LEN]) -> [u8; HASH_LEN] {
    sha3_256(&[&[0x01], left, right])
}

/// The largest power of two strictly below `n` (`n ≥ 2`).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// The root over `leaves` (leaf hashes).
pub fn root(leaves: &[[u8; HASH_LEN]]) -> [u8; HASH_LEN] {
    match leaves {
        [] => sha3_256(&[]),
        [one] => *one,
        _ => {
            let k = split(leaves.len());
            node(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// The proof for leaf `index` (sibling hashes bottom-up); empty for an index out of range.
pub fn proof(leaves: &[[u8; HASH_LEN]], index: usize) -> Vec<[u8; HASH_LEN]> {
    let mut path = Vec::new();
    if index < leaves.len() {
        collect(leaves, index, &mut path);
    }
    path
}

fn collect(leaves: &[[u8; HASH_LEN]], index: usize, path: &mut Vec<[u8; HASH_LEN]>) {
    if leaves.len() < 2 {
        return;
    }
    let k = split(leaves.len());
    if index < k {
        collect(&leaves[..k], index, path);
        path.push(root(&leaves[k..]));
    } else {
        collect(&leaves[k..], index - k, path);
        path.push(root(&leaves[..k]));
    }
}

/// A tree with every subtree root computed once (about `2N` hashes), so that each proof
/// is lookups only: for a server assembling many bundles of one batch.
#[derive(Clone, Debug)]
pub struct Tree {
    size: usize,
    /// Subtree roots by `(first leaf, leaf count)`, as RFC 6962's recursion visits them.
    nodes: std::collections::HashMap<(usize, usize), [u8; HASH_LEN]>,
}

impl Tree {
    /// The tree over `leaves` (leaf hashes).
    pub fn new(leaves: &[[u8; HASH_LEN]]) -> Self {
        let mut nodes = std::collections::HashMap::with_capacity(2 * leaves.len());
        fill(leaves, 0, &mut nodes);
        Self {
            size: leaves.len(),
            nodes,
        }
    }

    /// The root (`MTH`).
    pub fn root(&self) -> [u8; HASH_LEN] {
        self.nodes
            .get(&(0, self.size))
            .copied()
            .unwrap_or_else(|| root(&[]))
    }

    /// The proof of leaf `index`, as [`proof`] gives it; empty out of range.
    pub fn proof(&self, index: usize) -> Vec<[u8; HASH_LEN]> {
        let mut path = Vec::new();
        let (mut start, mut size, mut i) = (0, self.size, index);
        if index >= self.size {
            return path;
        }
        while size >= 2 {
            let k = split(size);
            let sibling = if i < k {
                let s = (start + k, size - k);
                size = k;
                s
            } else {
                let s = (start, k);
                start += k;
                size -= k;
                i -= k;
                s
            };
            path.extend(self.nodes.get(&sibling).copied());
        }
        path.reverse();
        path
    }
}

/// Computes and records the root of `leaves` (starting at leaf `start`) and of every
/// subtree below it.
fn fill(
    leaves: &[[u8; HASH_LEN]],
    start: usize,
    nodes: &mut std::collections::HashMap<(usize, usize), [u8; HASH_LEN]>,
) -> [u8; HASH_LEN] {
    let r = match leaves {
        [] => root(&[]),
        [one] => *one,
        _ => {
            let k = split(leaves.len());
            let left = fill(&leaves[..k], start, nodes);
            let right = fill(&leaves[k..], start + k, nodes);
            node(&left, &right)
        }
    };
    nodes.insert((start, leaves.len()), r);
    r
}

/// The number of hashes in the proof of leaf `index` of a tree of `size` leaves.
pub fn proof_len(index: usize, size: usize) -> usize {
    if size < 2 {
        return 0;
    }
    let k = split(size);
    if index < k {
        1 + proof_len(index, k)
    } else {
        1 + proof_len(index - k, size - k)
    }
}

/// The root a proof gives for `leaf` at `index` of a tree of `size` leaves, or `None`
/// when `index ≥ size` or the proof has the wrong length (RFC 9162 §2.1.3.2's steps).
fn root_from_proof(
    leaf: &[u8; HASH_LEN],
    index: usize,
    size: usize,
    path: &[[u8; HASH_LEN]],
) -> Option<[u8; HASH_LEN]> {
    if index >= size || size > MAX_LEAVES || path.len() != proof_len(index, size) {
        return None;
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in path {
        if sn == 0 {
            return None;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node(p, &r);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            r = node(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    (sn == 0).then_some(r)
}

/// Whether `path` proves `leaf` at `index` in the tree of `size` leaves whose root is
/// `root` (the final comparison in constant time).
pub fn verify(
    root: &[u8; HASH_LEN],
    leaf: &[u8; HASH_LEN],
    index: usize,
    size: usize,
    path: &[[u8; HASH_LEN]],
) -> bool {
    root_from_proof(leaf, index, size, path).is_some_and(|r| bool::from(r.ct_eq(root)))
}

/// A proof's wire form: the hashes concatenated.
pub fn proof_to_bytes(path: &[[u8; HASH_LEN]]) -> Vec<u8> {
    path.concat()
}

/// A proof from its wire form; `None` when the length is not a multiple of 32.
pub fn proof_from_bytes(bytes: &[u8]) -> Option<Vec<[u8; HASH_LEN]>> {
    if !bytes.len().is_multiple_of(HASH_LEN) {
        return None;
    }
    Some(
        bytes
            .chunks_exact(HASH_LEN)
            .map(|c| {
                let mut h = [0u8; HASH_LEN];
                h.copy_from_slice(c);
                h
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: usize) -> Vec<[u8; HASH_LEN]> {
        (0..n)
            .map(|i| leaf_hash(LEAF_ONE_TIME, i as u32, &[i as u8; 32]))
            .collect()
    }

    #[test]
    fn every_index_of_trees_of_sizes_1_to_70_verifies_and_tampering_fails() {
        for n in 1..=70 {
            let l = leaves(n);
            let r = root(&l);
            let tree = Tree::new(&l);
            assert_eq!(tree.root(), r);
            for i in 0..n {
                let p = proof(&l, i);
                assert_eq!(tree.proof(i), p, "n={n} i={i}");
                assert_eq!(p.len(), proof_len(i, n), "n={n} i={i}");
                assert!(verify(&r, &l[i], i, n, &p), "n={n} i={i}");
                // A wrong index, a wrong size, another leaf.
                if n > 1 {
                    let j = (i + 1) % n;
                    assert!(!verify(&r, &l[i], j, n, &p), "n={n} i={i} j={j}");
                    assert!(!verify(&r, &l[j], i, n, &p));
                }
                assert!(!verify(&r, &l[i], i, n + 1, &p) || proof_len(i, n + 1) == p.len());
                assert!(!verify(&r, &l[i], n, n, &p));
                // Every byte of every proof element matters.
                for k in 0..p.len() {
                    let mut bad = p.clone();
                    bad[k][k % HASH_LEN] ^= 0x80;
                    assert!(!verify(&r, &l[i], i, n, &bad));
                }
                // A proof one hash too long or too short.
                let mut long = p.clone();
                long.push([0; HASH_LEN]);
                assert!(!verify(&r, &l[i], i, n, &long));
                if !p.is_empty() {
                    assert!(!verify(&r, &l[i], i, n, &p[..p.len() - 1]));
                }
                let mut other_root = r;
                other_root[0] ^= 1;
                assert!(!verify(&other_root, &l[i], i, n, &p));
            }
        }
    }

    #[test]
    fn shape_is_rfc_6962s() {
        let l = leaves(3);
        assert_eq!(root(&l), node(&node(&l[0], &l[1]), &l[2]));
        let l = leaves(5);
        let four = node(&node(&l[0], &l[1]), &node(&l[2], &l[3]));
        assert_eq!(root(&l), node(&four, &l[4]));
        assert_eq!(proof(&l, 4), vec![four]);
        assert_eq!(root(&[]), sha3_256(&[]));
        assert!(proof(&l, 5).is_empty());
        assert!(Tree::new(&l).proof(5).is_empty());
        assert_eq!(Tree::new(&[]).root(), sha3_256(&[]));
        assert!(!verify(&root(&[]), &l[0], 0, 0, &[]));
    }

    #[test]
    fn leaves_bind_kind_index_and_key() {
        let a = leaf_hash(LEAF_ONE_TIME, 1, &[1; 32]);
        assert_ne!(a, leaf_hash(LEAF_ONE_TIME_KEM, 1, &[1; 32]));
        assert_ne!(a, leaf_hash(LEAF_ONE_TIME, 2, &[1; 32]));
        assert_ne!(a, leaf_hash(LEAF_ONE_TIME, 1, &[2; 32]));
    }

    #[test]
    fn proof_bytes_round_trip() {
        let l = leaves(9);
        let p = proof(&l, 3);
        let b = proof_to_bytes(&p);
        assert_eq!(b.len(), 32 * p.len());
        assert_eq!(proof_from_bytes(&b).unwrap_or_default(), p);
        assert!(proof_from_bytes(&b[1..]).is_none());
    }
}
