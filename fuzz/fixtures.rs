//! Fixed sessions and a fixed responder for the session targets (`session_decrypt`,
//! `session_accept`, `session_restore`) and for the seeds example, which writes the
//! genuine messages made here as those targets' seeds. Everything is made with
//! pqwire-core's public API and `SeededRandom`, so it is the same in every process: the
//! seed files are byte for byte the messages a target builds at start-up.
//!
//! Each fixture is built once per process ([`Conversation::get`], [`Responder::get`]) and
//! checks, while it is built, that every genuine message has the outcome this file
//! documents, so that the seeds keep reaching the paths they are meant for.

use std::sync::OnceLock;

use pqwire_core::negotiation::{Policy, PolicyMode};
use pqwire_core::pqxdh::{
    assemble_bundle, last_resort_kem_prekey, one_time_kem_prekeys, one_time_prekeys, sign_batch,
    signed_prekey, BatchKeys, FirstMessage, HandshakeOptions, Identity, PrekeyKind, PrekeySecrets,
    UsedPrekeys, Validity, DEFAULT_SIGNED_PREKEY_LIFETIME,
};
use pqwire_core::random::SeededRandom;
use pqwire_core::ratchet::{KemCadence, KeyId, RatchetConfig, DEFAULT_PQ_CHUNK_LEN};
use pqwire_core::session::Session;
use pqwire_core::wire::{feature_bit, Capabilities, InitialMessage, WireMessage};
use pqwire_core::{Error, KemSuite, Result, SigSuite};

/// The time every fixture starts at (unix seconds).
pub const T0: u64 = 1_700_000_000;

/// A genuine ratchet message of the [`Conversation`] and what the receiver's session
/// makes of it.
pub struct ConversationMessage {
    /// Its name (the seed file is `seed-<name>`).
    pub name: &'static str,
    /// The encoded ratchet message.
    pub bytes: Vec<u8>,
    /// What [`Conversation::receiver`] gives at [`Conversation::DECRYPT_AT`].
    pub outcome: std::result::Result<Delivered, Error>,
}

/// A message the receiver decrypts: the result and the session after it.
pub struct Delivered {
    /// The plaintext.
    pub plaintext: Vec<u8>,
    /// The associated data.
    pub associated_data: Vec<u8>,
    /// The receiver's session after decrypting it.
    pub session: Session,
}

/// A conversation between Alice (initiator, the receiver) and Bob (responder, the
/// sender), post-quantum with ML-KEM-512, the ratchet set to a KEM step every 3 messages,
/// `max_skip` 8 and at most 4 stored skipped keys:
///
/// 1. Alice's initial message carries `a0` (it advertises her first KEM key).
/// 2. Bob's first chain `b1`–`b4` (no KEM step yet, his first KEM key advertised); only
///    `b4` arrives, so `b1`–`b3` are stored as skipped keys.
/// 3. Alice replies `a1` (no KEM fields: no step is due and her key is known).
/// 4. Bob's second chain `b5`–`b17` is a KEM step (ciphertext to Alice's key, a new key
///    of his); only `b7` arrives: `b5`, `b6` are stored and `b1`, the oldest, deleted.
///
/// At [`Conversation::DECRYPT_AT`] Alice's session (with a ciphertext decapsulated, her
/// own and Bob's KEM keys, an ended chain and four skipped keys) therefore decrypts
/// `b2`, `b3`, `b5`, `b6` (skipped keys) and `b8` (ahead in the current chain); refuses
/// `b1` (`STALE_MESSAGE`), `b4` and `b7` (`REPLAYED`), `b17` (9 keys to skip:
/// `TOO_MANY_SKIPPED`), and her own `a0` and `a1` (`AUTH_FAILED`).
pub struct Conversation {
    /// Alice's session at the end: the one the target decrypts with.
    pub receiver: Session,
    /// Its serialization.
    pub receiver_record: Vec<u8>,
    /// Bob's session at the end.
    pub sender: Session,
    /// Alice's encoded initial message.
    pub initial_message: Vec<u8>,
    /// Every ratchet message of the conversation, in the order sent.
    pub messages: Vec<ConversationMessage>,
}

impl Conversation {
    /// When the target decrypts (every stored key is younger than its maximum age).
    pub const DECRYPT_AT: u64 = T0 + 100;

    /// The ratchet's settings on both sides.
    pub const RATCHET: RatchetConfig = RatchetConfig {
        cadence: KemCadence::EveryMessages(3),
        pq_chunk_len: DEFAULT_PQ_CHUNK_LEN,
        max_skip: 8,
        max_skipped_keys: 4,
        max_skipped_age: 7 * 24 * 60 * 60,
    };

    /// The conversation, built on first use.
    pub fn get() -> &'static Conversation {
        static ONCE: OnceLock<Conversation> = OnceLock::new();
        ONCE.get_or_init(|| Conversation::build().expect("the conversation fixture builds"))
    }

    /// The genuine message `bytes`, if it is one.
    pub fn find(&self, bytes: &[u8]) -> Option<&ConversationMessage> {
        self.messages.iter().find(|m| m.bytes == bytes)
    }

    /// The message named `name`.
    pub fn find_named(&self, name: &str) -> Option<&ConversationMessage> {
        self.messages.iter().find(|m| m.name == name)
    }

    fn build() -> Result<Conversation> {
        let mut rng = SeededRandom::new([0x5C; 32]);
        let valid = Validity::starting(T0, DEFAULT_SIGNED_PREKEY_LIFETIME)?;
        let caps = Capabilities::default().encode()?;
        let options = HandshakeOptions {
            policy: Policy::new(PolicyMode::PqRequired),
            ratchet: Some(Self::RATCHET),
            suite_cadence: false,
        };
        let bob_id = Identity::generate(SigSuite::Ed25519MlDsa65, valid, &mut rng)?;
        let spk = signed_prekey(valid, &mut rng)?;
        let pqlr = last_resort_kem_prekey(KemSuite::MlKem512, valid, &mut rng)?;
        let keys = BatchKeys {
            signed_prekey: &spk.public,
            last_resort_kem: Some(&pqlr.public),
            one_time_kem: &[],
            one_time: &[],
        };
        let upload = sign_batch(&bob_id, &caps, &keys, &mut rng)?;
        let bundle = assemble_bundle(&upload, None, None)?.encode()?;
        let mut secrets = PrekeySecrets::new();
        secrets.insert(spk.secret);
        secrets.insert(pqlr.secret);
        let alice_id = Identity::generate(SigSuite::Ed25519MlDsa65, valid, &mut rng)?;
        let first = FirstMessage {
            plaintext: b"a0",
            associated_data: b"",
        };
        let (mut alice, initial_message) =
            Session::initiate(&alice_id, &caps, &bundle, first, &options, T0, &mut rng)?;
        let a0 = InitialMessage::decode(&initial_message)?.message.encode()?;
        let mut bob =
            Session::accept(&bob_id, &caps, &mut secrets, &initial_message, &options, T0)?.session;

        let mut sent: Vec<(&'static str, Vec<u8>)> = vec![("rm-a0-own-first", a0)];
        let mut send = |from: &mut Session, name: &'static str, t: u64| -> Result<Vec<u8>> {
            let plaintext = name.as_bytes();
            let m = from.encrypt_with(plaintext, b"thread 7", t, &mut rng)?;
            sent.push((name, m.clone()));
            Ok(m)
        };
        let chain1 = [
            "rm-b1-deleted",
            "rm-b2-skipped",
            "rm-b3-skipped",
            "rm-b4-received",
        ];
        let mut last = Vec::new();
        for name in chain1 {
            last = send(&mut bob, name, T0 + 1)?;
        }
        alice.decrypt(&last, T0 + 2)?;
        let a1 = send(&mut alice, "rm-a1-own", T0 + 3)?;
        bob.decrypt(&a1, T0 + 4)?;
        // b9-b16 only fill the chain up to b17 (counter 12, 9 past b7's): not seeds.
        let chain2 = [
            "rm-b5-skipped-kem-step",
            "rm-b6-skipped-kem-step",
            "rm-b7-received",
            "rm-b8-ahead",
        ]
        .into_iter()
        .chain(["filler"; 8])
        .chain(["rm-b17-too-far-ahead"]);
        let mut chain2_sent = Vec::new();
        for name in chain2 {
            chain2_sent.push(send(&mut bob, name, T0 + 5)?);
        }
        alice.decrypt(&chain2_sent[2], T0 + 6)?;
        sent.retain(|(name, _)| *name != "filler");
        let receiver_record = alice.serialize()?.to_vec();
        let messages = sent
            .into_iter()
            .map(|(name, bytes)| {
                let mut s = alice.clone();
                let outcome = s.decrypt(&bytes, Self::DECRYPT_AT).map(|d| Delivered {
                    plaintext: d.plaintext,
                    associated_data: d.associated_data,
                    session: s,
                });
                ConversationMessage {
                    name,
                    bytes,
                    outcome,
                }
            })
            .collect();
        let c = Conversation {
            receiver: alice,
            receiver_record,
            sender: bob,
            initial_message,
            messages,
        };
        c.check();
        Ok(c)
    }

    /// Every message has the outcome the type's documentation promises.
    fn check(&self) {
        for m in &self.messages {
            let expected = match m.name {
                "rm-b1-deleted" => Some("STALE_MESSAGE"),
                "rm-b4-received" | "rm-b7-received" => Some("REPLAYED"),
                "rm-b17-too-far-ahead" => Some("TOO_MANY_SKIPPED"),
                "rm-a0-own-first" | "rm-a1-own" => Some("AUTH_FAILED"),
                _ => None,
            };
            match (&m.outcome, expected) {
                (Ok(d), None) => assert_eq!(d.plaintext, m.name.as_bytes(), "{}", m.name),
                (Err(e), Some(code)) => assert_eq!(e.code(), code, "{}", m.name),
                (Ok(_), Some(code)) => panic!("{} decrypted, expected {code}", m.name),
                (Err(e), None) => panic!("{} refused ({e}), expected to decrypt", m.name),
            }
        }
        assert_eq!(self.receiver.ratchet().skipped_keys(), 4);
    }
}

/// A genuine initial message for the [`Responder`] and what accepting it gives.
pub struct GenuineInitial {
    /// Its name (the seed file is `seed-<name>`).
    pub name: &'static str,
    /// The encoded initial message.
    pub bytes: Vec<u8>,
    /// Decoded.
    pub message: InitialMessage,
    /// The initiator's session after sending it.
    pub initiator: Session,
    /// [`Session::accept`]'s plaintext at [`Responder::ACCEPT_AT`].
    pub plaintext: Vec<u8>,
    /// Its associated data.
    pub associated_data: Vec<u8>,
    /// The prekeys it used.
    pub used_prekeys: UsedPrekeys,
    /// The responder's new session.
    pub session: Session,
}

/// What a responder's prekey store holds, as far as the public API shows it: the number
/// of secrets, the number left of each kind, which one-time keys were consumed and the
/// uses counted of the rotated keys (in the order of [`Responder::one_time`] and
/// [`Responder::rotated`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrekeyCounts {
    /// `len()`.
    pub held: usize,
    /// `remaining(kind)` for `Signed`, `LastResortKem`, `OneTime`, `OneTimeKem`.
    pub remaining: [usize; 4],
    /// `is_consumed(id)` of every one-time id.
    pub consumed: Vec<bool>,
    /// `uses(id)` of every rotated id.
    pub uses: Vec<u64>,
    /// `remembered_handshakes()`: the replay cache's size.
    pub handshakes: usize,
}

/// Bob, a responder with an Ed25519+ML-DSA-65 identity, the default capabilities and
/// policy `pq-preferred` (so a classical-only initial message can succeed too), holding
/// in a [`PrekeySecrets`] a signed prekey `SPK`, a last-resort ML-KEM-768 prekey `PQLR`,
/// two one-time ML-KEM-512 prekeys `PQOPK` and three one-time X25519 prekeys `OPK`.
///
/// Genuine initial messages, each from a fresh copy of the store:
///
/// | name | prekeys used | initiator | transcript signature |
/// | --- | --- | --- | --- |
/// | `im-pqopk-opk` | `SPK`, `PQOPK` 1, `OPK` 1 | Ed25519+ML-DSA-65 | yes |
/// | `im-pqlr` | `SPK`, `PQLR` | Ed25519+ML-DSA-65 | yes |
/// | `im-pqlr-opk-no-hybrid-auth` | `SPK`, `PQLR`, `OPK` 2 | Ed25519+ML-DSA-65, capabilities without `hybrid-auth` | yes (always, wire version 1) |
/// | `im-pqopk-ml-dsa-87` | `SPK`, `PQOPK` 2 | Ed25519+ML-DSA-87 | yes |
/// | `im-classical-opk` | `SPK`, `OPK` 3 (no KEM prekey) | Ed25519+ML-DSA-65, capabilities without ML-KEM | yes |
pub struct Responder {
    /// Bob's identity.
    pub identity: Identity,
    /// Bob's capabilities, encoded (those of his bundles).
    pub capabilities: Vec<u8>,
    /// Bob's handshake options.
    pub options: HandshakeOptions,
    /// Bob's prekey secrets before any handshake.
    pub prekeys: PrekeySecrets,
    /// The ids of the one-time prekeys (`PQOPK` 1, 2, `OPK` 1, 2, 3).
    pub one_time: Vec<KeyId>,
    /// The ids of the rotated prekeys (`SPK`, `PQLR`).
    pub rotated: Vec<KeyId>,
    /// The genuine initial messages.
    pub initial_messages: Vec<GenuineInitial>,
}

impl Responder {
    /// When the responder accepts (every key valid).
    pub const ACCEPT_AT: u64 = T0 + 60;

    /// The responder, built on first use.
    pub fn get() -> &'static Responder {
        static ONCE: OnceLock<Responder> = OnceLock::new();
        ONCE.get_or_init(|| Responder::build().expect("the responder fixture builds"))
    }

    /// [`PrekeyCounts`] of `prekeys`.
    pub fn counts(&self, prekeys: &PrekeySecrets) -> PrekeyCounts {
        PrekeyCounts {
            held: prekeys.len(),
            remaining: [
                PrekeyKind::Signed,
                PrekeyKind::LastResortKem,
                PrekeyKind::OneTime,
                PrekeyKind::OneTimeKem,
            ]
            .map(|k| prekeys.remaining(k)),
            consumed: self
                .one_time
                .iter()
                .map(|id| prekeys.is_consumed(id))
                .collect(),
            uses: self.rotated.iter().map(|id| prekeys.uses(id)).collect(),
            handshakes: prekeys.remembered_handshakes(),
        }
    }

    /// Accepts `bytes` with a copy of the store.
    pub fn accept(&self, prekeys: &mut PrekeySecrets, bytes: &[u8]) -> Result<GenuineAccepted> {
        let a = Session::accept(
            &self.identity,
            &self.capabilities,
            prekeys,
            bytes,
            &self.options,
            Self::ACCEPT_AT,
        )?;
        Ok(GenuineAccepted {
            session: a.session,
            plaintext: a.plaintext,
            associated_data: a.associated_data,
            used_prekeys: a.used_prekeys,
        })
    }

    fn build() -> Result<Responder> {
        let mut rng = SeededRandom::new([0xA5; 32]);
        let valid = Validity::starting(T0, DEFAULT_SIGNED_PREKEY_LIFETIME)?;
        let capabilities = Capabilities::default().encode()?;
        let options = HandshakeOptions {
            policy: Policy::new(PolicyMode::PqPreferred),
            ratchet: None,
            suite_cadence: false,
        };
        let bob = Identity::generate(SigSuite::Ed25519MlDsa65, valid, &mut rng)?;
        let spk = signed_prekey(valid, &mut rng)?;
        let pqlr = last_resort_kem_prekey(KemSuite::MlKem768, valid, &mut rng)?;
        let pqopks = one_time_kem_prekeys(KemSuite::MlKem768, 2, valid, &mut rng)?;
        let opks = one_time_prekeys(3, valid, &mut rng)?;

        let mut prekeys = PrekeySecrets::new();
        let rotated = vec![spk.public.key_id(), pqlr.public.key_id()];
        let one_time: Vec<KeyId> = pqopks
            .iter()
            .chain(&opks)
            .map(|p| p.public.key_id())
            .collect();
        for p in [&spk, &pqlr].into_iter().chain(&pqopks).chain(&opks) {
            prekeys.insert(p.secret.clone());
        }

        let alice = Identity::generate(SigSuite::Ed25519MlDsa65, valid, &mut rng)?;
        let carol = Identity::generate(SigSuite::Ed25519MlDsa87, valid, &mut rng)?;
        let mut no_hybrid_auth = Capabilities::default();
        let bit = feature_bit("hybrid-auth").ok_or(Error::InvalidArgument {
            what: "no hybrid-auth feature",
        })?;
        no_hybrid_auth.features &= !(1 << bit);
        let no_hybrid_auth = no_hybrid_auth.encode()?;
        // A classical-only handshake needs an initiator that offers no ML-KEM: when both
        // do, a missing KEM prekey is a stripped one and refused.
        let mut no_ml_kem = Capabilities::default();
        no_ml_kem.kex_suites.retain(|c| {
            ![KemSuite::MlKem512, KemSuite::MlKem768, KemSuite::MlKem1024]
                .iter()
                .any(|k| k.code() == *c)
        });
        let no_ml_kem = no_ml_kem.encode()?;
        // One batch of every key, signed once; and a classical-only batch (no ML-KEM).
        let publics = |v: &[pqwire_core::pqxdh::GeneratedPrekey]| -> Vec<_> {
            v.iter().map(|g| g.public.clone()).collect()
        };
        let (kem_public, opk_public) = (publics(&pqopks), publics(&opks));
        let keys = BatchKeys {
            signed_prekey: &spk.public,
            last_resort_kem: Some(&pqlr.public),
            one_time_kem: &kem_public,
            one_time: &opk_public,
        };
        let upload = sign_batch(&bob, &capabilities, &keys, &mut rng)?;
        let classical_keys = BatchKeys {
            last_resort_kem: None,
            one_time_kem: &[],
            ..keys
        };
        let classical = sign_batch(&bob, &capabilities, &classical_keys, &mut rng)?;
        // (name, initiator, its capabilities, KEM prekey: None classical, Some(None)
        // last-resort, Some(Some(i)) one-time i; one-time X25519 prekey i)
        let cases = [
            (
                "im-pqopk-opk",
                &alice,
                &capabilities,
                Some(Some(0)),
                Some(0),
            ),
            ("im-pqlr", &alice, &capabilities, Some(None), None),
            (
                "im-pqlr-opk-no-hybrid-auth",
                &alice,
                &no_hybrid_auth,
                Some(None),
                Some(1),
            ),
            (
                "im-pqopk-ml-dsa-87",
                &carol,
                &capabilities,
                Some(Some(1)),
                None,
            ),
            ("im-classical-opk", &alice, &no_ml_kem, None, Some(2)),
        ];
        let mut responder = Responder {
            identity: bob,
            capabilities: capabilities.clone(),
            options,
            prekeys,
            one_time,
            rotated,
            initial_messages: Vec::new(),
        };
        for (i, (name, initiator, caps, kem, opk)) in cases.into_iter().enumerate() {
            let bundle = match kem {
                Some(k) => assemble_bundle(&upload, k, opk)?,
                None => assemble_bundle(&classical, None, opk)?,
            }
            .encode()?;
            let plaintext = format!("hello Bob, {name}");
            let ad = [i as u8 + 1; 3];
            let first = FirstMessage {
                plaintext: plaintext.as_bytes(),
                associated_data: if i % 2 == 0 { &ad } else { b"" },
            };
            let (initiator, bytes) =
                Session::initiate(initiator, caps, &bundle, first, &options, T0, &mut rng)?;
            let got = responder.accept(&mut responder.prekeys.clone(), &bytes)?;
            assert_eq!(got.plaintext, plaintext.as_bytes(), "{name}");
            assert!(got.session.facts().hybrid_auth, "{name}");
            assert_eq!(got.session.facts().post_quantum, kem.is_some(), "{name}");
            responder.initial_messages.push(GenuineInitial {
                name,
                message: InitialMessage::decode(&bytes)?,
                bytes,
                initiator,
                plaintext: got.plaintext,
                associated_data: got.associated_data,
                used_prekeys: got.used_prekeys,
                session: got.session,
            });
        }
        Ok(responder)
    }
}

/// What [`Responder::accept`] gives: [`pqwire_core::session::Accepted`]'s fields.
pub struct GenuineAccepted {
    /// The responder's new session.
    pub session: Session,
    /// The first message's plaintext.
    pub plaintext: Vec<u8>,
    /// The first message's associated data.
    pub associated_data: Vec<u8>,
    /// The prekeys used.
    pub used_prekeys: UsedPrekeys,
}
