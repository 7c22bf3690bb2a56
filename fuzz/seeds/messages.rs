//! Valid capabilities, key packages and envelopes.

use super::*;

/// Capabilities; the first one is the default and `negotiations` relies on the order.
pub(crate) fn capabilities() -> Result<Vec<Seed>, Box<dyn std::error::Error>> {
    let default = Capabilities::default();
    let pq_only = Capabilities {
        kex_suites: codes(&[KemSuite::XWing, KemSuite::MlKem768], KemSuite::code),
        sig_suites: codes(
            &[SigSuite::Ed25519MlDsa65, SigSuite::MlDsa65],
            SigSuite::code,
        ),
        aead_suites: codes(&[AeadSuite::ChaCha20Poly1305], AeadSuite::code),
        features: 0b0011,
        ..Capabilities::default()
    };
    let classical_only = Capabilities {
        kex_suites: codes(&[KemSuite::X25519], KemSuite::code),
        sig_suites: codes(&[SigSuite::Ed25519], SigSuite::code),
        aead_suites: codes(&[AeadSuite::Aes256Gcm], AeadSuite::code),
        features: 0,
        ..Capabilities::default()
    };
    // Classical suites first: pq-preferred must still pick the post-quantum ones.
    let classical_first = Capabilities {
        kex_suites: codes(
            &[KemSuite::X25519, KemSuite::MlKem512, KemSuite::XWing],
            KemSuite::code,
        ),
        sig_suites: codes(&[SigSuite::Ed25519, SigSuite::MlDsa44], SigSuite::code),
        aead_suites: codes(
            &[AeadSuite::Aes256Gcm, AeadSuite::ChaCha20Poly1305],
            AeadSuite::code,
        ),
        ..Capabilities::default()
    };
    // A newer peer: a wire version and suite codes this library does not know (0x11EC is
    // the TLS code point of X25519MLKEM768, not pqwire's), unknown feature bits.
    let unknown = Capabilities {
        versions: vec![2, 1],
        kex_suites: vec![
            0x11EC,
            KemSuite::XWing.code(),
            0xFFFF,
            KemSuite::X25519.code(),
        ],
        sig_suites: vec![
            0x0A0A,
            SigSuite::Ed25519MlDsa87.code(),
            SigSuite::Ed25519.code(),
        ],
        aead_suites: vec![0x1301, AeadSuite::Aes256Gcm.code()],
        features: 0xFFFF_FFFF,
        // 0x0004 is RFC 9420's X448 suite, which pqwire does not offer.
        mls_suites: vec![0xFFFF, MlsSuite::ALL[0].code(), 0x0004],
        extensions: Vec::new(),
    };
    let with_extensions = Capabilities {
        extensions: vec![
            ext(0xF000, b""),
            ext(0xF001, b"pqwire"),
            ext(0xFFFF, &[0xA5; 64]),
        ],
        ..Capabilities::default()
    };
    // Every list at its cap.
    let full = Capabilities {
        versions: (1..=8).collect(),
        kex_suites: codes(KemSuite::ALL, KemSuite::code)
            .into_iter()
            .chain(0x7000..0x7019)
            .collect(),
        sig_suites: codes(SigSuite::ALL, SigSuite::code)
            .into_iter()
            .chain(0x7100..0x711A)
            .collect(),
        aead_suites: codes(AeadSuite::ALL, AeadSuite::code)
            .into_iter()
            .chain(0x7200..0x721E)
            .collect(),
        features: 0x8000_001F,
        mls_suites: codes(MlsSuite::ALL, MlsSuite::code)
            .into_iter()
            .chain(0x7300..0x7313)
            .collect(),
        extensions: (0..16).map(|i| ext(0xF000 + i, &[i as u8])).collect(),
    };
    // MLS offered: the mls feature and the suites, classical ones first so that policy
    // decides (0x0001 is RFC 9420's).
    let mls = Capabilities::default().with_mls(&[
        MlsSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519,
        MlsSuite::MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519,
    ]);
    let named = [
        ("caps-default", default),
        ("caps-pq-only", pq_only),
        ("caps-classical-only", classical_only),
        ("caps-classical-first", classical_first),
        ("caps-unknown-suites", unknown),
        ("caps-extensions", with_extensions),
        ("caps-full-lists", full),
        ("caps-mls", mls),
    ];
    named
        .into_iter()
        .map(|(n, c)| Ok((n.to_string(), c.encode().map_err(pqwire_core::Error::from)?)))
        .collect()
}

/// Key packages with real public keys from deterministic seeds.
pub(crate) fn key_packages() -> Result<Vec<Seed>, Box<dyn std::error::Error>> {
    let kem_key = |s: KemSuite| -> pqwire_core::Result<Vec<u8>> {
        let b = kem::backend(s);
        Ok(b.keygen(Some(&vec![0x42; b.lengths().keygen_seed]))?.0)
    };
    let sig_key = |s: SigSuite| -> pqwire_core::Result<Vec<u8>> {
        let b = sig::backend(s);
        Ok(b.keygen(Some(&vec![0x24; b.lengths().keygen_seed]))?.0)
    };
    let package =
        |i: u8, suite: PackageSuite, public_key: Vec<u8>, extensions: Vec<Extension>| KeyPackage {
            key_id: [i; 16],
            suite,
            public_key,
            created: 1_700_000_000,
            expires: 1_700_000_000 + 30 * 86_400,
            extensions,
        };
    let named = [
        (
            "kp-kem-x-wing",
            package(
                1,
                PackageSuite::Kem(KemSuite::XWing),
                kem_key(KemSuite::XWing)?,
                vec![],
            ),
        ),
        (
            "kp-kem-ml-kem-512",
            package(
                2,
                PackageSuite::Kem(KemSuite::MlKem512),
                kem_key(KemSuite::MlKem512)?,
                vec![],
            ),
        ),
        (
            "kp-kem-x25519",
            package(
                3,
                PackageSuite::Kem(KemSuite::X25519),
                kem_key(KemSuite::X25519)?,
                vec![],
            ),
        ),
        (
            "kp-sig-ed25519",
            package(
                4,
                PackageSuite::Sig(SigSuite::Ed25519),
                sig_key(SigSuite::Ed25519)?,
                vec![],
            ),
        ),
        (
            "kp-sig-ml-dsa-44",
            package(
                5,
                PackageSuite::Sig(SigSuite::MlDsa44),
                sig_key(SigSuite::MlDsa44)?,
                vec![],
            ),
        ),
        (
            "kp-sig-ed25519-ml-dsa-65-ext",
            package(
                6,
                PackageSuite::Sig(SigSuite::Ed25519MlDsa65),
                sig_key(SigSuite::Ed25519MlDsa65)?,
                vec![ext(0xF010, b"label")],
            ),
        ),
    ];
    named
        .into_iter()
        .map(|(n, k)| Ok((n.to_string(), k.encode().map_err(pqwire_core::Error::from)?)))
        .collect()
}

/// Envelopes with and without their optional fields.
pub(crate) fn envelopes() -> Result<Vec<Seed>, Box<dyn std::error::Error>> {
    let named = [
        (
            "env-minimal",
            Envelope {
                content_type: 0x0001,
                ..Default::default()
            },
        ),
        (
            "env-full",
            Envelope {
                content_type: 0x8001,
                sender_key_id: Some([0x11; 16]),
                recipient_key_id: Some([0x22; 16]),
                sent_at: Some(1_700_000_000),
                payload: b"hello, post-quantum world".to_vec(),
                extensions: vec![ext(0xF000, b"trace-id")],
            },
        ),
        (
            "env-recipient-only",
            Envelope {
                content_type: 0x7FFF,
                recipient_key_id: Some([0xEE; 16]),
                payload: (0..=255).collect(),
                ..Default::default()
            },
        ),
        (
            "env-max-time",
            Envelope {
                content_type: 0xFFFF,
                sent_at: Some((1 << 53) - 1),
                payload: vec![0; 1],
                ..Default::default()
            },
        ),
    ];
    named
        .into_iter()
        .map(|(n, e)| Ok((n.to_string(), e.encode().map_err(pqwire_core::Error::from)?)))
        .collect()
}
