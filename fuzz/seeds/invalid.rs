//! Hand-made invalid messages, one per decoding rule, and the negotiation target's inputs.

use super::*;

/// Invalid messages, one per rule, named `bad-<type>-<rule>`.
pub(crate) fn invalid(caps: &[Seed], packages: &[Seed], envelopes: &[Seed]) -> Vec<Seed> {
    let default_caps = &caps[0].1;
    let env = &envelopes[1].1;
    let kp = &packages[2].1; // X25519: small
    let time = |t: u64| t.to_be_bytes();
    let (c, e) = (0x8001u16.to_be_bytes(), time(1_700_000_000));
    let list = |codes: &[u16]| {
        codes
            .iter()
            .flat_map(|c| c.to_be_bytes())
            .collect::<Vec<u8>>()
    };
    let x25519 = KemSuite::X25519.code().to_be_bytes();
    let ed25519 = SigSuite::Ed25519.code().to_be_bytes();
    let kp_fields =
        |kem: Option<&[u8]>, sig: Option<&[u8]>, key: &[u8], created: u64, expires: u64| {
            let (created, expires) = (time(created), time(expires));
            let mut fields: Vec<(u16, Vec<u8>)> = vec![(1, vec![7; 16])];
            if let Some(k) = kem {
                fields.push((2, k.to_vec()));
            }
            if let Some(s) = sig {
                fields.push((3, s.to_vec()));
            }
            fields.extend([
                (4, key.to_vec()),
                (5, created.to_vec()),
                (6, expires.to_vec()),
            ]);
            let borrowed: Vec<(u16, &[u8])> =
                fields.iter().map(|(t, v)| (*t, v.as_slice())).collect();
            raw(1, 2, &borrowed)
        };
    let mut dup_ext = env.clone();
    dup_ext.extend_from_slice(&[0xF0, 0x00, 0, 0, 0, 0]);
    let seeds = vec![
        ("bad-any-magic", b"XW\x01\x01".to_vec()),
        ("bad-any-header", b"PW\x01".to_vec()),
        ("bad-any-version", raw(2, 1, &[])),
        ("bad-any-type", raw(1, 0x7F, &[])),
        (
            "bad-caps-truncated",
            default_caps[..default_caps.len() - 1].to_vec(),
        ),
        (
            "bad-caps-missing-features",
            raw(
                1,
                1,
                &[(1, &[1]), (2, &x25519), (3, &ed25519), (4, &[0, 3])],
            ),
        ),
        (
            "bad-caps-duplicate-suite",
            raw(
                1,
                1,
                &[
                    (1, &[1]),
                    (2, &list(&[0x001D, 0x001D])),
                    (3, &ed25519),
                    (4, &[0, 3]),
                    (5, &[0; 4]),
                ],
            ),
        ),
        (
            "bad-caps-odd-list",
            raw(
                1,
                1,
                &[
                    (1, &[1]),
                    (2, &[0x00, 0x1D, 0x64]),
                    (3, &ed25519),
                    (4, &[0, 3]),
                    (5, &[0; 4]),
                ],
            ),
        ),
        (
            "bad-caps-empty-versions",
            raw(
                1,
                1,
                &[
                    (1, &[]),
                    (2, &x25519),
                    (3, &ed25519),
                    (4, &[0, 3]),
                    (5, &[0; 4]),
                ],
            ),
        ),
        // The mls feature and the MLS suite list go together (in the current version's
        // header, so that the rule is what refuses them).
        (
            "bad-caps-mls-feature-without-suites",
            raw(
                pqwire_core::wire::limits::VERSION,
                1,
                &[
                    (1, &[pqwire_core::wire::limits::VERSION]),
                    (2, &x25519),
                    (3, &ed25519),
                    (4, &[0, 3]),
                    (5, &[0, 0, 0, 0x10]),
                ],
            ),
        ),
        (
            "bad-caps-mls-suites-without-feature",
            raw(
                pqwire_core::wire::limits::VERSION,
                1,
                &[
                    (1, &[pqwire_core::wire::limits::VERSION]),
                    (2, &x25519),
                    (3, &ed25519),
                    (4, &[0, 3]),
                    (5, &[0; 4]),
                    (6, &list(&[0x004D])),
                ],
            ),
        ),
        (
            "bad-kp-both-suites",
            kp_fields(Some(&x25519), Some(&ed25519), &[9; 32], 1, 2),
        ),
        ("bad-kp-no-suite", kp_fields(None, None, &[9; 32], 1, 2)),
        (
            "bad-kp-unknown-suite",
            kp_fields(Some(&[0x11, 0xEC]), None, &[9; 32], 1, 2),
        ),
        (
            "bad-kp-key-length",
            kp_fields(Some(&x25519), None, &[9; 31], 1, 2),
        ),
        (
            "bad-kp-expired",
            kp_fields(None, Some(&ed25519), &[9; 32], 5, 5),
        ),
        ("bad-kp-trailing", [kp.as_slice(), &[0, 0, 0]].concat()),
        ("bad-env-order", raw(1, 3, &[(5, b"x"), (1, &c)])),
        (
            "bad-env-duplicate-tag",
            raw(1, 3, &[(1, &c), (1, &c), (5, b"x")]),
        ),
        (
            "bad-env-unknown-tag",
            raw(1, 3, &[(1, &c), (0x0100, b""), (5, b"x")]),
        ),
        (
            "bad-env-key-id-length",
            raw(1, 3, &[(1, &c), (2, &[1; 15]), (5, b"x")]),
        ),
        (
            "bad-env-time-over-max",
            raw(1, 3, &[(1, &c), (4, &time(1 << 53)), (5, b"x")]),
        ),
        (
            "bad-env-huge-length",
            [&raw(1, 3, &[(1, &c)])[..], &[0, 5, 0xFF, 0xFF, 0xFF, 0xFF]].concat(),
        ),
        ("bad-env-duplicate-extension", dup_ext),
        ("bad-env-missing-payload", raw(1, 3, &[(1, &c), (4, &e)])),
    ];
    seeds.into_iter().map(|(n, b)| (n.to_string(), b)).collect()
}

/// Negotiation inputs: `control | split u16 | local | remote` (see fuzz_targets/negotiate.rs).
pub(crate) fn negotiations(caps: &[Seed]) -> Vec<Seed> {
    let get = |name: &str| &caps.iter().find(|(n, _)| n == name).expect("seed exists").1;
    // control: bits 0-1 mode (0 pq-required, 1 pq-preferred, 2 classical-allowed),
    // bit 2 responder, bits 3-7 minimum version (1 here, 2 for a rollback refusal).
    let cases = [
        (
            "pqreq-init-default-default",
            0x08,
            "caps-default",
            "caps-default",
        ),
        (
            "pqreq-resp-default-pq-only",
            0x0C,
            "caps-default",
            "caps-pq-only",
        ),
        (
            "pqreq-init-classical-classical",
            0x08,
            "caps-classical-only",
            "caps-classical-only",
        ),
        (
            "pqpref-init-classical-first",
            0x09,
            "caps-classical-first",
            "caps-default",
        ),
        (
            "pqpref-resp-classical-pq",
            0x0D,
            "caps-classical-only",
            "caps-pq-only",
        ),
        (
            "classical-init-classical-first",
            0x0A,
            "caps-classical-first",
            "caps-default",
        ),
        (
            "classical-resp-default-classical",
            0x0E,
            "caps-default",
            "caps-classical-only",
        ),
        (
            "pqreq-init-default-unknown",
            0x08,
            "caps-default",
            "caps-unknown-suites",
        ),
        (
            "pqpref-resp-unknown-default",
            0x0D,
            "caps-unknown-suites",
            "caps-default",
        ),
        (
            "pqreq-init-extensions-full",
            0x08,
            "caps-extensions",
            "caps-full-lists",
        ),
        (
            "minver2-init-default-default",
            0x10,
            "caps-default",
            "caps-default",
        ),
    ];
    cases
        .iter()
        .map(|(name, control, local, remote)| {
            let (local, remote) = (get(local), get(remote));
            let mut input = vec![*control];
            input.extend_from_slice(&(local.len() as u16).to_be_bytes());
            input.extend_from_slice(local);
            input.extend_from_slice(remote);
            (format!("neg-{name}"), input)
        })
        .collect()
}
