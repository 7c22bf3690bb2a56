//! The ratchet's part of a `session-state` record (protocol.md §6): every field of §5.1,
//! secrets included, in the strict record format of [`crate::record`].
//!
//! Tags `0x0001`–`0x00FF` of a `session-state` record are the ratchet's (the table in
//! protocol.md §6); `0x0100`–`0x01FF` are the session layer's. Everything optional is
//! absent when empty, and every value has one encoding, so the record of a state is
//! canonical: `serialize(deserialize(b)) == b` for every accepted `b`.

use std::collections::VecDeque;

use zeroize::Zeroizing;

use super::cadence::{KemCadence, KemClock};
use super::chains::{Chains, ReceivingChain, SendingChain};
use super::config::RatchetConfig;
use super::kdf::KEY_LEN;
use super::layout::*;
use super::persist_pq::{read_pq, write_pq};
use super::skipped::{SkippedKeys, StoredKey, MAX_PAST_CHAINS};
use super::state::{DhKeyPair, RatchetState};
use crate::record::{
    RecordField, RecordReader, RecordWriter, FIRST_SESSION_TAG, LAST_SESSION_TAG,
    TYPE_SESSION_STATE,
};
use crate::wire::tlv::Reader;
use crate::wire::{WireError, WireErrorCode as Code};
use crate::{x25519, AeadSuite, Error, KemSuite, Result, SecretBytes};

impl RatchetState {
    /// The state as a `session-state` record (type `0x13`, protocol.md §6): every field,
    /// secrets included, in one canonical encoding. **The bytes are secret**: store them
    /// as you would store keys. The buffer is wiped when dropped.
    ///
    /// ```
    /// use pqwire_core::ratchet::{RatchetConfig, RatchetInit, RatchetState};
    /// use pqwire_core::{x25519, AeadSuite, KemSuite};
    ///
    /// let (spk_secret, spk_public) = x25519::keygen(None)?;
    /// let init = RatchetInit {
    ///     root_key: &[1; 32],
    ///     chain_key: &[2; 32],
    ///     session_id: [9; 32],
    ///     kem: KemSuite::MlKem768,
    ///     aead: AeadSuite::ChaCha20Poly1305,
    ///     config: RatchetConfig::default(),
    ///     now: 1_700_000_000,
    /// };
    /// let mut alice = RatchetState::init_initiator(init, &spk_public)?;
    /// let mut bob = RatchetState::init_responder(init, spk_secret.expose())?;
    /// let (header, ct) = alice.encrypt(b"hello", b"", 1_700_000_001)?;
    ///
    /// // Bob stores his state and restores it later.
    /// let stored = bob.serialize();
    /// let mut restored = RatchetState::deserialize(&stored)?;
    /// assert!(restored == bob);
    /// assert_eq!(restored.decrypt(&header, &ct, 1_700_000_002)?, b"hello");
    /// # Ok::<(), pqwire_core::Error>(())
    /// ```
    pub fn serialize(&self) -> Zeroizing<Vec<u8>> {
        let mut w = RecordWriter::new(TYPE_SESSION_STATE);
        self.write_record(&mut w);
        w.finish()
    }

    /// Restores a state from [`RatchetState::serialize`]'s record.
    ///
    /// Strict: the record rules of [`RecordReader`] (`Error::Wire` with the wire codes),
    /// known suites (`UNKNOWN_SUITE`), exact lengths (`BAD_LENGTH`), and a state the
    /// ratchet can reach (`INVALID_FIELD`): a valid config, the ratchet key pair
    /// matching its secret, the pipelines' phases with their fields, counters and flags consistent with the chains present, the skipped-key
    /// store within its bounds. A record with session-layer fields is refused
    /// (`UNKNOWN_TAG`); see [`RatchetState::deserialize_with`].
    ///
    /// The epoch is restored as stored: refusing an older copy than one already used is
    /// the session layer's check, against its epoch store.
    pub fn deserialize(bytes: &[u8]) -> Result<Self> {
        let mut r = RecordReader::new(bytes, TYPE_SESSION_STATE)?;
        let state = Self::read_record(&mut r)?;
        r.finish()?;
        Ok(state)
    }

    /// [`RatchetState::serialize`] with the session layer's fields: `(tag, value)` pairs
    /// with tags in `0x0100..=0x01FF` ([`FIRST_SESSION_TAG`]..=[`LAST_SESSION_TAG`]),
    /// strictly ascending (`INVALID_ARGUMENT` otherwise). Values are copied into the
    /// record as they are; a session layer with secrets or typed fields to store can
    /// instead write them itself next to [`RatchetState::write_record`].
    pub fn serialize_with(&self, session_fields: &[(u16, &[u8])]) -> Result<Zeroizing<Vec<u8>>> {
        let mut previous = None;
        let mut w = RecordWriter::new(TYPE_SESSION_STATE);
        self.write_record(&mut w);
        for &(tag, value) in session_fields {
            if !(FIRST_SESSION_TAG..=LAST_SESSION_TAG).contains(&tag)
                || previous.is_some_and(|p| p >= tag)
            {
                return Err(Error::InvalidArgument {
                    what: "session fields have strictly ascending tags in 0x0100..=0x01FF",
                });
            }
            previous = Some(tag);
            w.raw(tag, value);
        }
        Ok(w.finish())
    }

    /// Restores a state from [`RatchetState::serialize_with`]'s record; returns it with
    /// the session layer's fields, `(tag, value)` in tag order. Checks as
    /// [`RatchetState::deserialize`]; any tag outside both ranges is `UNKNOWN_TAG`.
    pub fn deserialize_with(bytes: &[u8]) -> Result<(Self, SessionFields)> {
        let mut r = RecordReader::new(bytes, TYPE_SESSION_STATE)?;
        let state = Self::read_record(&mut r)?;
        let session = r
            .take_range(FIRST_SESSION_TAG, LAST_SESSION_TAG)
            .into_iter()
            .map(|(_, tag, value)| (tag, value.to_vec()))
            .collect();
        r.finish()?;
        Ok((state, session))
    }

    /// Writes the ratchet's fields (tags `0x0001`–`0x00FF`) into a `session-state`
    /// record being built: for a session layer that adds its own fields (tags
    /// `0x0100`–`0x01FF`) to the same record with the same writer.
    ///
    /// ```
    /// # use pqwire_core::ratchet::{RatchetConfig, RatchetInit, RatchetState};
    /// # use pqwire_core::{x25519, AeadSuite, KemSuite};
    /// use pqwire_core::record::{RecordField, RecordReader, RecordWriter, TYPE_SESSION_STATE};
    /// # let (sk, _) = x25519::keygen(None)?;
    /// # let init = RatchetInit { root_key: &[1; 32], chain_key: &[2; 32], session_id: [9; 32],
    /// #     kem: KemSuite::MlKem768, aead: AeadSuite::ChaCha20Poly1305,
    /// #     config: RatchetConfig::default(), now: 0 };
    /// # let state = RatchetState::init_responder(init, sk.expose())?;
    /// const ROLE: RecordField = RecordField::new(0x0101, "role");
    ///
    /// let mut w = RecordWriter::new(TYPE_SESSION_STATE);
    /// state.write_record(&mut w);
    /// w.u8(ROLE, 2);
    /// let bytes = w.finish();
    ///
    /// let mut r = RecordReader::new(&bytes, TYPE_SESSION_STATE)?;
    /// let restored = RatchetState::read_record(&mut r)?;
    /// assert_eq!(r.u8(ROLE)?, 2);
    /// r.finish()?;
    /// assert!(restored == state);
    /// # Ok::<(), pqwire_core::Error>(())
    /// ```
    pub fn write_record<'a>(&'a self, w: &mut RecordWriter<'a>) {
        w.u64(EPOCH, self.epoch)
            .u16(KEM_SUITE, self.kem.code())
            .u16(AEAD_SUITE, self.aead.code())
            .bytes(SESSION_ID, &self.session_id);
        write_config(w, &self.config);
        w.bytes(ROOT_KEY, self.root_key.expose())
            .u64(KEM_CLOCK_MESSAGES, self.kem_clock.messages)
            .u64(KEM_CLOCK_SINCE, self.kem_clock.since)
            .flag(KEM_STEP_FORCED, self.kem_clock.forced);
        write_chains(w, &self.chains);
        write_pq(w, &self.pq);
        write_skipped(w, &self.skipped);
    }

    /// Reads and checks the ratchet's fields of a `session-state` record (see
    /// [`RatchetState::deserialize`] for the checks), marking them read; the caller reads
    /// its own fields and ends with [`RecordReader::finish`]. See
    /// [`RatchetState::write_record`].
    pub fn read_record(r: &mut RecordReader<'_>) -> Result<Self> {
        let epoch = r.u64(EPOCH)?;
        let kem = suite(r, KEM_SUITE, KemSuite::from_code)?;
        let aead = suite(r, AEAD_SUITE, AeadSuite::from_code)?;
        let session_id = r.fixed::<32>(SESSION_ID)?;
        let config = read_config(r)?;
        let root_key = r.secret(ROOT_KEY, KEY_LEN, KEY_LEN)?;
        let chains = read_chain_fields(r)?;
        let pq = read_pq(r, kem, usize::from(config.pq_chunk_len))?;
        let send_pq_mix = r.opt_u32(SEND_PQ_MIX)?;
        let step_due = r.flag(SEND_STEP_DUE)?;
        let kem_clock = KemClock {
            messages: r.u64(KEM_CLOCK_MESSAGES)?,
            since: r.u64(KEM_CLOCK_SINCE)?,
            forced: r.flag(KEM_STEP_FORCED)?,
        };
        let skipped = read_skipped(r, &config)?;

        // What initialisation and the steps keep together (state.rs, chains.rs): the
        // types hold most of it; a record can break it, and is refused.
        let mut chains = chains
            .into_chains(step_due)
            .map_err(|(f, what)| invalid(r, f, what))?;
        if send_pq_mix.is_some_and(|s| s == 0 || s > pq.own_seq) {
            return Err(invalid(r, SEND_PQ_MIX, "not a step of ours"));
        }
        match (chains.sending_mut(), send_pq_mix) {
            (Some(sending), mix) => sending.pq_mix = mix,
            (None, Some(_)) => return Err(invalid(r, SEND_PQ_MIX, "pqMix comes from a step")),
            (None, None) => {}
        }
        Ok(Self {
            kem,
            aead,
            session_id,
            config,
            root_key,
            chains,
            pq,
            skipped,
            kem_clock,
            epoch,
        })
    }
}

/// The chain fields of a record, read and checked one by one; [`ChainFields::into_chains`]
/// checks that they fit together.
struct ChainFields {
    send_chain_key: Option<SecretBytes>,
    send_counter: u32,
    previous_chain_length: u32,
    recv_chain_key: Option<SecretBytes>,
    recv_counter: u32,
    dh_self: Option<DhKeyPair>,
    dh_remote: Option<[u8; 32]>,
}

/// `CKs`, `Ns`, `PN`, `CKr`, `Nr`, `DHs` (both halves, as stored) and `DHr`
/// (not of low order), each absent when its chain is.
fn read_chain_fields(r: &mut RecordReader<'_>) -> Result<ChainFields> {
    let send_chain_key = r.opt_secret(SEND_CHAIN_KEY, KEY_LEN, KEY_LEN)?;
    let send_counter = r.u32(SEND_COUNTER)?;
    let previous_chain_length = r.u32(PREVIOUS_CHAIN_LENGTH)?;
    let recv_chain_key = r.opt_secret(RECV_CHAIN_KEY, KEY_LEN, KEY_LEN)?;
    let recv_counter = r.u32(RECV_COUNTER)?;

    let dh_secret = r.opt_secret(RATCHET_SECRET_KEY, 32, 32)?;
    let dh_public = r.opt_fixed::<32>(RATCHET_PUBLIC_KEY)?;
    let dh_self = match pair(
        r,
        (RATCHET_SECRET_KEY, dh_secret),
        (RATCHET_PUBLIC_KEY, dh_public),
    )? {
        // Taken as stored, not derived again (a base-point multiplication was a quarter
        // of a restore): the checksum refuses a damaged pair, and the first agreement
        // with the key refuses one whose halves do not belong together (`INVALID_KEY`,
        // protocol.md §6.2).
        Some((secret, public)) => Some(DhKeyPair::from_stored(secret, public)?),
        None => None,
    };
    let dh_remote = r.opt_fixed::<32>(PEER_RATCHET_KEY)?;
    // As `init_initiator`: a low-order key could never have been accepted.
    if dh_remote.as_ref().is_some_and(x25519::is_low_order) {
        return Err(invalid(r, PEER_RATCHET_KEY, "low-order ratchet key"));
    }
    Ok(ChainFields {
        send_chain_key,
        send_counter,
        previous_chain_length,
        recv_chain_key,
        recv_counter,
        dh_self,
        dh_remote,
    })
}

impl ChainFields {
    /// The chains these fields describe, or the field and rule of the first one that
    /// does not fit: a chain's key comes with its ratchet key, an absent chain counts
    /// nothing, and the next send steps exactly when we have no sending chain or the
    /// peer's key changed (which needs the peer's key).
    fn into_chains(
        self,
        step_due: bool,
    ) -> core::result::Result<Chains, (RecordField, &'static str)> {
        let sending = match (self.send_chain_key, self.dh_self) {
            (Some(chain_key), Some(ratchet_key)) => Some(SendingChain {
                ratchet_key,
                chain_key,
                counter: self.send_counter,
                previous_length: self.previous_chain_length,
                pq_mix: None,
            }),
            (None, None) => None,
            _ => {
                return Err((
                    SEND_CHAIN_KEY,
                    "a sending chain comes with the ratchet key pair",
                ))
            }
        };
        let receiving = match (self.recv_chain_key, self.dh_remote) {
            (Some(chain_key), Some(ratchet_key)) => Some(ReceivingChain {
                ratchet_key,
                chain_key,
                counter: self.recv_counter,
            }),
            (None, None) => None,
            _ => {
                return Err((
                    RECV_CHAIN_KEY,
                    "a receiving chain comes with the peer's ratchet key",
                ))
            }
        };
        if sending.is_none() && self.send_counter != 0 {
            return Err((SEND_COUNTER, "no sending chain to count in"));
        }
        if sending.is_none() && self.previous_chain_length != 0 {
            return Err((PREVIOUS_CHAIN_LENGTH, "no sending chain before the first"));
        }
        if receiving.is_none() && self.recv_counter != 0 {
            return Err((RECV_COUNTER, "no receiving chain to count in"));
        }
        match (sending, receiving, step_due) {
            (None, Some(receiving), true) => Ok(Chains::ReceiveOnly(receiving)),
            (Some(sending), None, false) => Ok(Chains::SendOnly(sending)),
            (Some(sending), Some(receiving), step_due) => Ok(Chains::Both {
                sending,
                receiving,
                step_due,
            }),
            (_, None, true) => Err((SEND_STEP_DUE, "a step needs the peer's ratchet key")),
            (None, _, false) => Err((
                SEND_STEP_DUE,
                "without a ratchet key pair the next send must step",
            )),
        }
    }
}

/// The chains' fields; the counters are 0 and the keys absent for a chain not there.
fn write_chains<'a>(w: &mut RecordWriter<'a>, chains: &'a Chains) {
    let sending = chains.sending();
    let receiving = chains.receiving();
    w.u32(SEND_COUNTER, sending.map_or(0, |c| c.counter))
        .u32(
            PREVIOUS_CHAIN_LENGTH,
            sending.map_or(0, |c| c.previous_length),
        )
        .u32(RECV_COUNTER, receiving.map_or(0, |c| c.counter))
        .flag(SEND_STEP_DUE, chains.step_due());
    if let Some(c) = sending {
        w.bytes(SEND_CHAIN_KEY, c.chain_key.expose())
            .bytes(RATCHET_SECRET_KEY, c.ratchet_key.secret().expose())
            .bytes(RATCHET_PUBLIC_KEY, c.ratchet_key.public_key());
        if let Some(mix) = c.pq_mix {
            w.u32(SEND_PQ_MIX, mix);
        }
    }
    if let Some(c) = receiving {
        w.bytes(RECV_CHAIN_KEY, c.chain_key.expose())
            .bytes(PEER_RATCHET_KEY, &c.ratchet_key);
    }
}

/// `INVALID_FIELD` in field `f`.
fn invalid(r: &RecordReader<'_>, f: RecordField, what: &str) -> Error {
    Error::Wire(r.error(f, Code::InvalidField, what))
}

/// A suite code that must be known (`UNKNOWN_SUITE`).
fn suite<S>(
    r: &mut RecordReader<'_>,
    f: RecordField,
    from_code: fn(u16) -> Result<S>,
) -> Result<S> {
    let code = r.u16(f)?;
    from_code(code).map_err(|_| {
        Error::Wire(r.error(
            f,
            Code::UnknownSuite,
            format!("suite 0x{code:04X} is not known"),
        ))
    })
}

/// Two fields that come together or not at all; the one missing is `MISSING_FIELD`.
fn pair<A, B>(
    r: &RecordReader<'_>,
    (fa, a): (RecordField, Option<A>),
    (fb, b): (RecordField, Option<B>),
) -> core::result::Result<Option<(A, B)>, WireError> {
    let missing = |f: RecordField, with: RecordField| {
        r.error(f, Code::MissingField, format!("comes with {}", with.name))
    };
    match (a, b) {
        (Some(a), Some(b)) => Ok(Some((a, b))),
        (None, None) => Ok(None),
        (Some(_), None) => Err(missing(fb, fa)),
        (None, Some(_)) => Err(missing(fa, fb)),
    }
}

/// The cadence is `cadenceMessages` and/or `cadenceSeconds`, both absent for continuous.
fn write_config(w: &mut RecordWriter<'_>, config: &RatchetConfig) {
    match config.cadence {
        KemCadence::Continuous => {}
        KemCadence::EveryMessages(n) => {
            w.u32(CADENCE_MESSAGES, n);
        }
        KemCadence::EverySeconds(t) => {
            w.u64(CADENCE_SECONDS, t);
        }
        KemCadence::MessagesOrSeconds { messages, seconds } => {
            w.u32(CADENCE_MESSAGES, messages)
                .u64(CADENCE_SECONDS, seconds);
        }
    }
    // usize is at most 64 bits wide on every target pqwire builds for.
    let max_keys = u64::try_from(config.max_skipped_keys).unwrap_or(u64::MAX);
    w.u16(PQ_CHUNK_LEN, config.pq_chunk_len)
        .u32(MAX_SKIP, config.max_skip)
        .u64(MAX_SKIPPED_KEYS, max_keys)
        .u64(MAX_SKIPPED_AGE, config.max_skipped_age);
}

fn read_config(r: &mut RecordReader<'_>) -> Result<RatchetConfig> {
    let messages = r.opt_u32(CADENCE_MESSAGES)?;
    let seconds = r.opt_u64(CADENCE_SECONDS)?;
    if messages == Some(0) {
        return Err(invalid(r, CADENCE_MESSAGES, "a cadence of zero messages"));
    }
    if seconds == Some(0) {
        return Err(invalid(r, CADENCE_SECONDS, "a cadence of zero seconds"));
    }
    let cadence = match (messages, seconds) {
        (None, None) => KemCadence::Continuous,
        (Some(n), None) => KemCadence::EveryMessages(n),
        (None, Some(t)) => KemCadence::EverySeconds(t),
        (Some(messages), Some(seconds)) => KemCadence::MessagesOrSeconds { messages, seconds },
    };
    let max_skip = r.u32(MAX_SKIP)?;
    let max_keys = r.u64(MAX_SKIPPED_KEYS)?;
    let max_skipped_keys = usize::try_from(max_keys)
        .map_err(|_| invalid(r, MAX_SKIPPED_KEYS, "larger than this platform's memory"))?;
    let pq_chunk_len = r.u16(PQ_CHUNK_LEN)?;
    let config = RatchetConfig {
        cadence,
        pq_chunk_len,
        max_skip,
        max_skipped_keys,
        max_skipped_age: r.u64(MAX_SKIPPED_AGE)?,
    };
    if config.validate().is_err() {
        return Err(invalid(r, PQ_CHUNK_LEN, "a chunk size outside 16..=1024"));
    }
    Ok(config)
}

/// The three lists, each absent when empty: entries back to back, in the store's order.
fn write_skipped(w: &mut RecordWriter<'_>, skipped: &SkippedKeys) {
    let (keys, deleted, past_chains) = skipped.parts();
    if !keys.is_empty() {
        // Exact capacity: the buffer holds message keys and must not be reallocated.
        let mut v = Zeroizing::new(Vec::with_capacity(keys.len() * SKIPPED_ENTRY_LEN));
        for k in keys {
            v.extend_from_slice(&k.ratchet_key);
            v.extend_from_slice(&k.counter.to_be_bytes());
            v.extend_from_slice(&k.stored_at.to_be_bytes());
            v.extend_from_slice(k.message_key.expose());
        }
        w.owned(SKIPPED_KEYS, v);
    }
    for (f, list) in [(DELETED_KEYS, deleted), (PAST_CHAINS, past_chains)] {
        if !list.is_empty() {
            let mut v = Zeroizing::new(Vec::with_capacity(list.len() * CHAIN_ENTRY_LEN));
            for (key, n) in list {
                v.extend_from_slice(key);
                v.extend_from_slice(&n.to_be_bytes());
            }
            w.owned(f, v);
        }
    }
}

fn read_skipped(r: &mut RecordReader<'_>, config: &RatchetConfig) -> Result<SkippedKeys> {
    let max_keys = config.max_skipped_keys;
    let mut keys = VecDeque::new();
    for entry in entries(
        r,
        SKIPPED_KEYS,
        SKIPPED_ENTRY_LEN,
        max_keys,
        "maxSkippedKeys",
    )? {
        let mut e = Reader::new(entry);
        let (Some(ratchet_key), Some(counter), Some(stored_at)) =
            (e.array::<32>(), e.array::<4>(), e.array::<8>())
        else {
            return Err(bad_entry(r, SKIPPED_KEYS));
        };
        // The rest of the entry is the message key: copied once, into its SecretBytes.
        keys.push_back(StoredKey {
            ratchet_key,
            counter: u32::from_be_bytes(counter),
            message_key: SecretBytes::from_slice(e.rest()),
            stored_at: u64::from_be_bytes(stored_at),
        });
    }
    let deleted = chain_entries(r, DELETED_KEYS, max_keys, "maxSkippedKeys")?;
    let past_chains = chain_entries(r, PAST_CHAINS, MAX_PAST_CHAINS, "16")?;
    Ok(SkippedKeys::from_parts(keys, deleted, past_chains))
}

fn chain_entries(
    r: &mut RecordReader<'_>,
    f: RecordField,
    max: usize,
    max_name: &str,
) -> Result<VecDeque<([u8; 32], u32)>> {
    entries(r, f, CHAIN_ENTRY_LEN, max, max_name)?
        .map(|entry| {
            let mut e = Reader::new(entry);
            match (e.array::<32>(), e.array::<4>()) {
                (Some(key), Some(n)) => Ok((key, u32::from_be_bytes(n))),
                _ => Err(bad_entry(r, f)),
            }
        })
        .collect()
}

/// The entries of list field `f`: at least one when present (an empty list is absent),
/// a whole number of entries (`BAD_LENGTH`), at most `max` (`INVALID_FIELD`).
fn entries<'a>(
    r: &mut RecordReader<'a>,
    f: RecordField,
    entry_len: usize,
    max: usize,
    max_name: &str,
) -> Result<core::slice::ChunksExact<'a, u8>> {
    let v = r.opt_bytes(f, entry_len, usize::MAX)?.unwrap_or_default();
    if v.len() % entry_len != 0 {
        return Err(Error::Wire(r.error(
            f,
            Code::BadLength,
            format!("length {}, a multiple of {entry_len}", v.len()),
        )));
    }
    if v.len() / entry_len > max {
        return Err(Error::Wire(r.error(
            f,
            Code::InvalidField,
            format!("{} entries, at most {max_name}", v.len() / entry_len),
        )));
    }
    Ok(v.chunks_exact(entry_len))
}

fn bad_entry(r: &RecordReader<'_>, f: RecordField) -> Error {
    Error::Wire(r.error(f, Code::BadLength, "an entry is cut short"))
}
