//! Writes the seed corpus of every fuzz target into `fuzz/corpus/<target>/`:
//!
//! ```sh
//! cargo run --release --manifest-path fuzz/Cargo.toml --example seeds [OUT_DIR]
//! ```
//!
//! Seeds are valid encodings made with pqwire-core's public API (default capabilities,
//! lists with unknown suite codes and extensions, key packages of KEM and signature
//! suites with deterministic keys, envelopes with and without their optional fields, and
//! the prekey bundles, initial messages and ratchet messages of a seeded handshake, and
//! records at rest; for the session targets, the genuine messages and the sessions of
//! `fixtures.rs`) plus hand-made invalid messages, one per decoding rule. Every file
//! this program writes is named `seed-*`; before writing, it removes the old `seed-*`
//! files only, so reproducers added by hand (`crash-*`, `regress-*`) stay. The output is
//! deterministic: running it again changes nothing unless the wire format changed.
//!
//! | file | seeds |
//! | --- | --- |
//! | `messages.rs` | capabilities, key packages, envelopes |
//! | `handshake.rs` | the prekey batch statements, uploads and bundles, initial and ratchet messages of a seeded handshake, and their invalid variants |
//! | `invalid.rs` | one hand-made invalid message per decoding rule; negotiation inputs |
//! | `sessions.rs` | the session targets' messages and records, records at rest |
//! | `edit.rs` | editing encodings below the encoder |

use std::fs;
use std::path::{Path, PathBuf};

use pqwire_core::negotiation::{Policy, PolicyMode};
use pqwire_core::pqxdh::{
    assemble_bundle, initiate, last_resort_kem_prekey, one_time_prekeys, respond, sign_batch,
    signed_prekey, BatchKeys, FirstMessage, HandshakeOptions, Identity, PrekeySecrets, Validity,
    DEFAULT_SIGNED_PREKEY_LIFETIME,
};
use pqwire_core::random::SeededRandom;
use pqwire_core::ratchet::{
    ChunkKind, Header, KemCadence, PqChunk, RatchetConfig, RatchetInit, RatchetState,
};
use pqwire_core::record::CHECKSUM_FIELD;
use pqwire_core::wire::tags::initial_message::TAG_TRANSCRIPT_SIGNATURE;
use pqwire_core::wire::{
    Capabilities, Envelope, Extension, KeyPackage, PackageSuite, RatchetMessage, WireMessage,
};
use pqwire_core::{kem, sig, AeadSuite, KemSuite, MlsSuite, SigSuite};
use pqwire_fuzz::{Conversation, Responder};

mod edit;
mod handshake;
mod invalid;
mod messages;
mod sessions;

use edit::*;
use handshake::*;
use invalid::*;
use messages::*;
use sessions::*;

/// A named input.
type Seed = (String, Vec<u8>);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out: PathBuf = std::env::args_os().nth(1).map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus"),
        PathBuf::from,
    );

    let caps = capabilities()?;
    let packages = key_packages()?;
    let envelopes = envelopes()?;
    let Handshake {
        bundles,
        initials,
        ratchets,
    } = handshake()?;
    let invalid = [
        invalid(&caps, &packages, &envelopes),
        invalid_handshake(&bundles, &initials, &ratchets),
    ]
    .concat();

    // The generic decoder gets every valid message and the header errors; each typed
    // decoder its own type plus the invalid messages of that type; inspect one valid
    // and one invalid message of each type plus the header errors. Small on purpose:
    // the fuzzer finds the rest from these.
    let of_prefix = |prefix: &'static str| {
        invalid
            .iter()
            .filter(move |(n, _)| n.starts_with(prefix))
            .cloned()
    };
    // 0x10 and 0x11 have no typed decoding target (prekey_bundle runs the initiator's
    // checks): the generic decoder gets their invalid seeds.
    let all: Vec<Seed> = [&caps, &packages, &envelopes, &bundles, &initials, &ratchets]
        .into_iter()
        .flatten()
        .cloned()
        .chain(of_prefix("bad-any"))
        .chain(of_prefix("bad-pb"))
        .chain(of_prefix("bad-im"))
        .collect();
    let of_type = |valid: &[Seed], prefix: &'static str| -> Vec<Seed> {
        valid.iter().cloned().chain(of_prefix(prefix)).collect()
    };
    let mut sample: Vec<Seed> = vec![
        caps[0].clone(),
        packages[0].clone(),
        envelopes[1].clone(),
        bundles[0].clone(),
        initials[0].clone(),
        ratchets[0].clone(),
    ];
    for prefix in [
        "bad-any",
        "bad-caps-truncated",
        "bad-kp-key-length",
        "bad-env-order",
        "bad-im-nested-short-ciphertext",
        "bad-rm-kem-key-length",
    ] {
        sample.extend(of_prefix(prefix));
    }

    write(&out.join("decode"), &all)?;
    write(&out.join("capabilities"), &of_type(&caps, "bad-caps"))?;
    write(&out.join("key_package"), &of_type(&packages, "bad-kp"))?;
    write(&out.join("envelope"), &of_type(&envelopes, "bad-env"))?;
    write(&out.join("ratchet_message"), &of_type(&ratchets, "bad-rm"))?;
    write(&out.join("prekey_bundle"), &of_type(&bundles, "bad-pb"))?;
    write(&out.join("inspect"), &sample)?;
    write(&out.join("negotiate"), &negotiations(&caps))?;
    write(&out.join("records"), &records()?)?;
    write(&out.join("session_decrypt"), &session_decrypt()?)?;
    write(&out.join("session_accept"), &session_accept()?)?;
    write(&out.join("session_restore"), &session_restore()?)?;
    Ok(())
}

/// Replaces the `seed-*` files of `dir` with `seeds`.
fn write(dir: &Path, seeds: &[Seed]) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("seed-"))
        {
            fs::remove_file(path)?;
        }
    }
    for (name, bytes) in seeds {
        fs::write(dir.join(format!("seed-{name}")), bytes)?;
    }
    println!("{}: {} seeds", dir.display(), seeds.len());
    Ok(())
}
