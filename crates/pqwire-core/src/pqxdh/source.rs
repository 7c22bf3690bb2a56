//! Where a responder finds its prekey secrets: the [`PrekeySource`] trait (the store
//! layer implements it over SQLite, IndexedDB, a keychain or a server), and
//! [`PrekeySecrets`], an in-memory implementation.

use std::collections::{HashMap, HashSet};

use super::prekeys::{PrekeyKind, PrekeySecret};
use crate::ratchet::KeyId;
use crate::{Error, Result};

/// The prekeys an authenticated initial message used, handed to
/// [`PrekeySource::consume`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsedPrekeys {
    /// `SPK`.
    pub signed_prekey: KeyId,
    /// The KEM prekey and its kind (`OneTimeKem` or `LastResortKem`), if the handshake
    /// had one.
    pub kem_prekey: Option<(KeyId, PrekeyKind)>,
    /// `OPK`, if the handshake had one.
    pub one_time_prekey: Option<KeyId>,
}

impl UsedPrekeys {
    /// The one-time keys among them: these must be consumed, exactly once.
    pub fn one_time(&self) -> Vec<KeyId> {
        let kem = self
            .kem_prekey
            .filter(|(_, kind)| kind.is_one_time())
            .map(|(id, _)| id);
        kem.into_iter().chain(self.one_time_prekey).collect()
    }

    /// The rotated keys among them (`SPK`, `PQLR`): a store may count their uses for
    /// [`super::needs_rotation`].
    pub fn rotated(&self) -> Vec<KeyId> {
        let kem = self
            .kem_prekey
            .filter(|(_, kind)| !kind.is_one_time())
            .map(|(id, _)| id);
        core::iter::once(self.signed_prekey).chain(kem).collect()
    }
}

/// What a replay cache keeps of an authenticated handshake (protocol.md §4.3, step 5).
///
/// A handshake that used a one-time prekey cannot be replayed: the key is consumed. One
/// that used only the signed and last-resort prekeys would open again as long as those
/// keys are held and valid, so its session id is remembered until `until`, the earliest
/// expiry of the keys it used (after which the handshake is refused as `KEY_EXPIRED` or
/// `UNKNOWN_KEY` anyway).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HandshakeReplay {
    /// The session id the handshake derived: the same for every replay of it.
    pub session_id: [u8; 32],
    /// Unix seconds from which the entry may be dropped.
    pub until: u64,
}

/// A responder's prekey secrets, as [`super::respond`] needs them.
///
/// [`super::respond`] calls [`PrekeySource::get`] for every key id the initial message
/// names, and [`PrekeySource::consume`] once, **only after** the message authenticated
/// (its embedded ratchet message decrypted). A failed initial message calls `consume`
/// never, so it consumes nothing.
pub trait PrekeySource {
    /// The secret of the prekey `key_id`: `Ok(None)` when there is none (the handshake
    /// fails with `UNKNOWN_KEY`); a store that remembers consumed one-time keys may
    /// answer `Err(Error::PrekeyReused)` for them.
    fn get(&self, key_id: &KeyId) -> Result<Option<PrekeySecret>>;

    /// Consumes the one-time keys of `used` ([`UsedPrekeys::one_time`]) atomically:
    /// either all of them, or — when any was consumed already — none, refusing with
    /// `PREKEY_REUSED`. When `used` has no one-time key, it must instead remember
    /// `replay.session_id` until `replay.until` and refuse one it already holds with
    /// `REPLAYED` (the replay cache). May count the uses of the rotated keys
    /// ([`UsedPrekeys::rotated`]). The session is returned to the caller only if this
    /// succeeds.
    fn consume(&mut self, used: &UsedPrekeys, replay: &HandshakeReplay) -> Result<()>;
}

/// An in-memory [`PrekeySource`]. Consuming a one-time key deletes its secret (forward
/// secrecy) and remembers its id, so that a replayed initial message is refused with
/// `PREKEY_REUSED`; a handshake without one-time keys goes into a replay cache (a
/// replay is `REPLAYED`); uses of `SPK` and `PQLR` are counted.
/// [`PrekeySecrets::remove_expired`] deletes expired secrets and cache entries.
///
/// `Debug` shows key ids and counts, never a secret.
#[derive(Clone, Default)]
pub struct PrekeySecrets {
    keys: HashMap<KeyId, PrekeySecret>,
    consumed: HashSet<KeyId>,
    uses: HashMap<KeyId, u64>,
    /// Replay cache: session id → until when it is kept.
    handshakes: HashMap<[u8; 32], u64>,
}

impl PrekeySecrets {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a prekey secret.
    pub fn insert(&mut self, secret: PrekeySecret) {
        self.keys.insert(secret.key_id(), secret);
    }

    /// Removes a prekey (a rotated-out `SPK` or `PQLR` once its grace period is over);
    /// returns whether it was there.
    pub fn remove(&mut self, key_id: &KeyId) -> bool {
        self.uses.remove(key_id);
        self.keys.remove(key_id).is_some()
    }

    /// Number of prekey secrets held.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no secret is held.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Number of unconsumed one-time keys of `kind` (to know when to publish more).
    pub fn remaining(&self, kind: PrekeyKind) -> usize {
        self.keys.values().filter(|k| k.kind() == kind).count()
    }

    /// How many authenticated initial messages used the rotated key `key_id`.
    pub fn uses(&self, key_id: &KeyId) -> u64 {
        self.uses.get(key_id).copied().unwrap_or(0)
    }

    /// Deletes every prekey secret that expired by `now` (`expires <= now`), and the
    /// replay-cache entries whose keys expired; returns the number of secrets deleted.
    ///
    /// Rotation (`needs_rotation`) replaces `SPK` and `PQLR` in new bundles, but initial
    /// messages made from an older bundle may still arrive: a rotated-out key is kept
    /// until it expires (the lifetime includes that grace period, protocol.md §2) and
    /// deleted by this call afterwards, so its secret no longer exists.
    pub fn remove_expired(&mut self, now: u64) -> usize {
        let before = self.keys.len();
        self.keys.retain(|_, k| k.package().expires > now);
        let keys = &self.keys;
        self.uses.retain(|id, _| keys.contains_key(id));
        self.handshakes.retain(|_, until| *until > now);
        before - self.keys.len()
    }

    /// Number of handshakes in the replay cache.
    pub fn remembered_handshakes(&self) -> usize {
        self.handshakes.len()
    }

    /// Whether the one-time key `key_id` was consumed.
    pub fn is_consumed(&self, key_id: &KeyId) -> bool {
        self.consumed.contains(key_id)
    }
}

impl PrekeySource for PrekeySecrets {
    fn get(&self, key_id: &KeyId) -> Result<Option<PrekeySecret>> {
        if self.consumed.contains(key_id) {
            return Err(Error::PrekeyReused);
        }
        Ok(self.keys.get(key_id).cloned())
    }

    fn consume(&mut self, used: &UsedPrekeys, replay: &HandshakeReplay) -> Result<()> {
        let one_time = used.one_time();
        for id in &one_time {
            if self.consumed.contains(id) || !self.keys.contains_key(id) {
                return Err(Error::PrekeyReused);
            }
        }
        if one_time.is_empty() {
            if self.handshakes.contains_key(&replay.session_id) {
                return Err(Error::Replayed);
            }
            self.handshakes.insert(replay.session_id, replay.until);
        }
        for id in one_time {
            self.keys.remove(&id);
            self.consumed.insert(id);
        }
        for id in used.rotated() {
            if self.keys.contains_key(&id) {
                *self.uses.entry(id).or_insert(0) += 1;
            }
        }
        Ok(())
    }
}

impl core::fmt::Debug for PrekeySecrets {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PrekeySecrets")
            .field("keys", &self.keys.len())
            .field("consumed", &self.consumed.len())
            .field("handshakes", &self.handshakes.len())
            .field("secrets", &"[REDACTED]")
            .finish()
    }
}
