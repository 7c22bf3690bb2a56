//! The parties of the handshake and session tests: Bob with his prekeys and a store that
//! keeps consumed keys visible (so reuse is `PREKEY_REUSED`), Alice, capabilities, a first
//! message and a short conversation; and [`Prekeys`], a published set made with the
//! library's own helpers, for sessions. Shared by `handshake*.rs`, `session.rs` and
//! `pinned_bytes.rs` (`mod handshake_support;`), which allow `unwrap`, `expect` and `panic`.
#![allow(dead_code, unused_imports)]

pub use std::collections::{BTreeMap, HashMap, HashSet};

pub use pqwire_core::negotiation::{Policy, PolicyMode};
pub use pqwire_core::pqxdh::{
    assemble_bundle, generate_prekey, initiate, last_resort_kem_prekey, one_time_kem_prekeys,
    one_time_prekeys, respond, sign_batch, signed_prekey, BatchKeys, FirstMessage, GeneratedPrekey,
    HandshakeOptions, HandshakeReplay, Identity, Initiated, PrekeyKind, PrekeySecret,
    PrekeySecrets, PrekeySource, UsedPrekeys, Validity, DEFAULT_SIGNED_PREKEY_LIFETIME,
};
pub use pqwire_core::random::SeededRandom;
pub use pqwire_core::ratchet::{KeyId, RatchetState};
pub use pqwire_core::session::{Accepted, Session};
pub use pqwire_core::wire::{
    self, feature_bit, Capabilities, InitialMessage, PrekeyBundle, PrekeyUpload, RatchetMessage,
    WireMessage,
};
pub use pqwire_core::{Error, KemSuite, Result, SigSuite};

pub const T0: u64 = 1_700_000_000;
pub const KEMS: [KemSuite; 3] = [KemSuite::MlKem512, KemSuite::MlKem768, KemSuite::MlKem1024];
pub const IDENTITIES: [SigSuite; 2] = [SigSuite::Ed25519MlDsa65, SigSuite::Ed25519MlDsa87];

// ---------------------------------------------------------------------------------------
// A prekey store that keeps consumed keys visible to `get` and refuses their reuse in
// `consume`, so a replay is caught where the trait says: after authentication.

#[derive(Clone, Default, PartialEq, Eq)]
pub struct Store {
    pub keys: HashMap<KeyId, PrekeySecret>,
    pub consumed: HashSet<KeyId>,
    pub uses: HashMap<KeyId, u64>,
    pub handshakes: HashSet<[u8; 32]>,
    pub consume_calls: usize,
}

impl Store {
    pub fn insert(&mut self, p: &GeneratedPrekey) {
        self.keys.insert(p.secret.key_id(), p.secret.clone());
    }
}

impl PrekeySource for Store {
    fn get(&self, key_id: &KeyId) -> Result<Option<PrekeySecret>> {
        Ok(self.keys.get(key_id).cloned())
    }

    fn consume(&mut self, used: &UsedPrekeys, replay: &HandshakeReplay) -> Result<()> {
        self.consume_calls += 1;
        let one_time = used.one_time();
        if one_time.iter().any(|id| self.consumed.contains(id)) {
            return Err(Error::PrekeyReused);
        }
        if one_time.is_empty() && !self.handshakes.insert(replay.session_id) {
            return Err(Error::Replayed);
        }
        self.consumed.extend(one_time);
        for id in used.rotated() {
            *self.uses.entry(id).or_default() += 1;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Parties

#[derive(Clone, Copy, Debug)]
pub struct Params {
    pub kem: KemSuite,
    pub alice: SigSuite,
    pub bob: SigSuite,
    pub one_time: bool,
    pub one_time_kem: bool,
    pub hybrid_auth: bool,
}

impl Params {
    /// Only the signed and the last-resort prekeys: nothing one-time to consume.
    pub fn last_resort_only() -> Params {
        Params {
            one_time: false,
            one_time_kem: false,
            ..Params::default()
        }
    }
}

impl Default for Params {
    fn default() -> Self {
        Params {
            kem: KemSuite::MlKem768,
            alice: SigSuite::Ed25519MlDsa65,
            bob: SigSuite::Ed25519MlDsa65,
            one_time: true,
            one_time_kem: true,
            hybrid_auth: true,
        }
    }
}

/// Bob's published keys and secrets: `kem` is the KEM prekey bundles carry (one-time,
/// or the last-resort one `lr` itself), `upload` the signed batch of them all.
pub struct Bob {
    pub identity: Identity,
    pub caps: Vec<u8>,
    pub spk: GeneratedPrekey,
    pub lr: GeneratedPrekey,
    pub kem: GeneratedPrekey,
    pub opk: GeneratedPrekey,
    pub upload: PrekeyUpload,
    pub one_time_kem: bool,
    pub store: Store,
}

impl Bob {
    pub fn new(p: Params, seed: u8) -> Bob {
        Bob::with_validity(p, seed, validity())
    }

    pub fn with_validity(p: Params, seed: u8, v: Validity) -> Bob {
        let mut rng = SeededRandom::new([seed; 32]);
        let identity = Identity::generate(p.bob, validity(), &mut rng).unwrap();
        let kem_kind = if p.one_time_kem {
            PrekeyKind::OneTimeKem
        } else {
            PrekeyKind::LastResortKem
        };
        let spk = generate_prekey(PrekeyKind::Signed, KemSuite::X25519, v, &mut rng).unwrap();
        let kem = generate_prekey(kem_kind, p.kem, v, &mut rng).unwrap();
        let opk = generate_prekey(PrekeyKind::OneTime, KemSuite::X25519, v, &mut rng).unwrap();
        let lr = if p.one_time_kem {
            generate_prekey(PrekeyKind::LastResortKem, p.kem, v, &mut rng).unwrap()
        } else {
            kem.clone()
        };
        let mut store = Store::default();
        for k in [&spk, &lr, &kem, &opk] {
            store.insert(k);
        }
        let caps = Capabilities::default().encode().unwrap();
        let one_time_kem = if p.one_time_kem {
            vec![kem.public.clone()]
        } else {
            vec![]
        };
        let keys = BatchKeys {
            signed_prekey: &spk.public,
            last_resort_kem: Some(&lr.public),
            one_time_kem: &one_time_kem,
            one_time: std::slice::from_ref(&opk.public),
        };
        let upload = sign_batch(&identity, &caps, &keys, &mut rng).unwrap();
        Bob {
            identity,
            caps,
            spk,
            lr,
            kem,
            opk,
            upload,
            one_time_kem: p.one_time_kem,
            store,
        }
    }

    pub fn bundle_struct(&self, p: Params) -> PrekeyBundle {
        assemble_bundle(
            &self.upload,
            self.one_time_kem.then_some(0),
            p.one_time.then_some(0),
        )
        .unwrap()
    }

    pub fn bundle(&self, p: Params) -> Vec<u8> {
        self.bundle_struct(p).encode().unwrap()
    }

    pub fn respond(&mut self, message: &[u8], now: u64) -> Result<pqwire_core::pqxdh::Responded> {
        respond_default(&self.identity, &self.caps, &mut self.store, message, now)
    }
}

/// [`respond`] with the default handshake options.
pub fn respond_default(
    identity: &Identity,
    caps: &[u8],
    prekeys: &mut dyn PrekeySource,
    message: &[u8],
    now: u64,
) -> Result<pqwire_core::pqxdh::Responded> {
    respond(
        identity,
        caps,
        prekeys,
        message,
        &HandshakeOptions::default(),
        now,
    )
}

/// Bob (seed 1) and Alice (seed 2), as most tests have them.
pub fn bob_and_alice(p: Params) -> (Bob, Identity) {
    (Bob::new(p, 1), alice(p.alice, 2))
}

/// A library secret store holding `keys`.
pub fn secrets_of<'a>(keys: impl IntoIterator<Item = &'a GeneratedPrekey>) -> PrekeySecrets {
    let mut secrets = PrekeySecrets::new();
    for k in keys {
        secrets.insert(k.secret.clone());
    }
    secrets
}

pub fn validity() -> Validity {
    Validity::starting(T0 - 100, DEFAULT_SIGNED_PREKEY_LIFETIME).unwrap()
}

pub fn alice(suite: SigSuite, seed: u8) -> Identity {
    Identity::generate(suite, validity(), &mut SeededRandom::new([seed; 32])).unwrap()
}

/// Capabilities with or without the `hybrid-auth` feature.
pub fn caps(hybrid_auth: bool) -> Vec<u8> {
    let mut c = Capabilities::default();
    if !hybrid_auth {
        c.features &= !(1 << feature_bit("hybrid-auth").unwrap());
    }
    c.encode().unwrap()
}

pub fn start(
    alice: &Identity,
    p: Params,
    bundle: &[u8],
    plaintext: &[u8],
    seed: u8,
) -> Result<Initiated> {
    initiate(
        alice,
        &caps(p.hybrid_auth),
        bundle,
        FirstMessage {
            plaintext,
            associated_data: b"first ad",
        },
        &HandshakeOptions::default(),
        T0,
        &mut SeededRandom::new([seed; 32]),
    )
}

/// A few messages both ways; each side decrypts what the other sent.
pub fn converse(a: &mut RatchetState, b: &mut RatchetState, rounds: u32) {
    let mut now = T0 + 10;
    let mut ra = SeededRandom::new([0xA0; 32]);
    let mut rb = SeededRandom::new([0xB0; 32]);
    for round in 0..rounds {
        for i in 0..2 {
            now += 1;
            let text = format!("bob {round}.{i}");
            let (h, ct) = b.encrypt_with(text.as_bytes(), b"", now, &mut rb).unwrap();
            assert_eq!(a.decrypt(&h, &ct, now).unwrap(), text.as_bytes());
        }
        now += 1;
        let text = format!("alice {round}");
        let (h, ct) = a
            .encrypt_with(text.as_bytes(), b"ad", now, &mut ra)
            .unwrap();
        assert_eq!(b.decrypt(&h, &ct, now).unwrap(), text.as_bytes());
    }
}

pub fn code(r: Result<impl Sized>) -> &'static str {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.code(),
    }
}

// ---------------------------------------------------------------------------------------
// A published set of prekeys and a session on it, made with the library's own helpers

/// Which one-time prekeys [`Prekeys::generate`] adds to the signed and last-resort ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OneTime {
    /// None: the bundle offers the last-resort ML-KEM prekey.
    None,
    /// A one-time X25519 prekey.
    Dh,
    /// A one-time ML-KEM prekey (offered instead of the last-resort one) and a one-time
    /// X25519 prekey.
    KemAndDh,
}

/// What Bob publishes: a signed prekey, a last-resort `kem` prekey and the one-time ones
/// asked for, drawn from one random source in that order (the pinned bytes depend on it).
pub struct Prekeys {
    pub signed: GeneratedPrekey,
    pub last_resort: GeneratedPrekey,
    pub one_time_kem: Option<GeneratedPrekey>,
    pub one_time: Option<GeneratedPrekey>,
}

impl Prekeys {
    pub fn generate(
        bob: &Identity,
        kem: KemSuite,
        one_time: OneTime,
        valid: Validity,
        rng: &mut SeededRandom,
    ) -> Prekeys {
        let _ = bob;
        let signed = signed_prekey(valid, rng).unwrap();
        let last_resort = last_resort_kem_prekey(kem, valid, rng).unwrap();
        let one_time_kem = (one_time == OneTime::KemAndDh)
            .then(|| one_time_kem_prekeys(kem, 1, valid, rng).unwrap().remove(0));
        let one_time =
            (one_time != OneTime::None).then(|| one_time_prekeys(1, valid, rng).unwrap().remove(0));
        Prekeys {
            signed,
            last_resort,
            one_time_kem,
            one_time,
        }
    }

    /// Bob's encoded bundle: the signed prekey, the one-time ML-KEM prekey if there is one
    /// (else the last-resort one) and the one-time X25519 prekey if there is one.
    pub fn bundle(&self, bob: &Identity, caps: &[u8]) -> Vec<u8> {
        let upload = self.upload(bob, caps);
        assemble_bundle(
            &upload,
            self.one_time_kem.is_some().then_some(0),
            self.one_time.is_some().then_some(0),
        )
        .unwrap()
        .encode()
        .unwrap()
    }

    /// Bob's signed batch of these keys (signature randomness from a fixed seed).
    pub fn upload(&self, bob: &Identity, caps: &[u8]) -> PrekeyUpload {
        let one_time_kem: Vec<_> = self.one_time_kem.iter().map(|g| g.public.clone()).collect();
        let one_time: Vec<_> = self.one_time.iter().map(|g| g.public.clone()).collect();
        let keys = BatchKeys {
            signed_prekey: &self.signed.public,
            last_resort_kem: Some(&self.last_resort.public),
            one_time_kem: &one_time_kem,
            one_time: &one_time,
        };
        sign_batch(bob, caps, &keys, &mut SeededRandom::new([0x5B; 32])).unwrap()
    }

    /// Every prekey, in the order made.
    pub fn all(&self) -> Vec<&GeneratedPrekey> {
        let one_time = [&self.one_time_kem, &self.one_time];
        let mut all = vec![&self.signed, &self.last_resort];
        all.extend(one_time.into_iter().flatten());
        all
    }

    /// Every secret, as the responder holds them.
    pub fn secrets(&self) -> PrekeySecrets {
        secrets_of(self.all())
    }
}

/// Bob, his prekeys (a last-resort `kem` one and the `one_time` ones) and Alice, drawn from
/// `rng` in that order; both identities of `suite`, valid for `valid`.
pub fn session_parties(
    suite: SigSuite,
    (kem, one_time): (KemSuite, OneTime),
    valid: Validity,
    rng: &mut SeededRandom,
) -> (Identity, Prekeys, Identity) {
    let bob = Identity::generate(suite, valid, rng).unwrap();
    let prekeys = Prekeys::generate(&bob, kem, one_time, valid, rng);
    let alice = Identity::generate(suite, valid, rng).unwrap();
    (bob, prekeys, alice)
}

/// Alice opens a session to Bob's `bundle` at `T0` with `plaintext` as her first message
/// (default options): her session and the initial message.
pub fn open_session(
    alice: &Identity,
    caps: &[u8],
    bundle: &[u8],
    plaintext: &[u8],
    rng: &mut SeededRandom,
) -> (Session, Vec<u8>) {
    let first = FirstMessage {
        plaintext,
        associated_data: b"",
    };
    let options = HandshakeOptions::default();
    Session::initiate(alice, caps, bundle, first, &options, T0, rng).unwrap()
}

/// Bob accepts an initial message at `T0` (default options).
pub fn accept_session(
    bob: &Identity,
    caps: &[u8],
    secrets: &mut PrekeySecrets,
    initial: &[u8],
) -> Result<Accepted> {
    Session::accept(
        bob,
        caps,
        secrets,
        initial,
        &HandshakeOptions::default(),
        T0,
    )
}
