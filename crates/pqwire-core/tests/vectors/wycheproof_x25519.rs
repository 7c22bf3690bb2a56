//! Wycheproof X25519 (RFC 7748). pqwire refuses an all-zero shared secret with
//! `NON_CONTRIBUTORY`; that refusal passes wherever Wycheproof marks the case
//! acceptable or invalid and the plain RFC 7748 result is zero.

use super::common::*;
use pqwire_core::x25519;

#[test]
fn wycheproof_x25519() {
    let (v, mut tally) = wycheproof("x25519_test.json", None);
    for (g, t) in group_tests(&v) {
        assert_eq!(st(g, "curve"), "curve25519");
        let shared = hx(t, "shared");
        let zero = shared.iter().all(|&b| b == 0);
        let res = x25519::shared_secret(&hx(t, "private"), &hx(t, "public"));
        let e = expect(t);
        let r = case(|| match (&res, e) {
            (Ok(ss), Expect::Valid | Expect::Acceptable) => {
                ensure!(
                    ss.expose() == shared,
                    "shared {} differs",
                    short(ss.expose())
                );
                Ok(())
            }
            (Err(err), Expect::Acceptable | Expect::Invalid)
                if err.code() == "NON_CONTRIBUTORY" && zero =>
            {
                Ok(())
            }
            (Ok(ss), Expect::Invalid) => {
                ensure!(ss.expose() != shared, "accepted an invalid case");
                Ok(())
            }
            (Err(err), _) => Err(format!("refused with {err} ({e:?}, zero={zero})")),
        });
        if e != Expect::Valid {
            let flags: Vec<&str> = arr(t, "flags").iter().filter_map(|f| f.as_str()).collect();
            let way = match &res {
                Ok(_) => "computed".to_string(),
                Err(err) => format!("refused with {}", err.code()),
            };
            let kind = if flags.contains(&"ZeroSharedSecret") {
                "all-zero shared secret"
            } else if flags.contains(&"NonCanonicalPublic") {
                "non-canonical public key"
            } else if flags.contains(&"Twist") {
                "public key on the twist"
            } else {
                "other"
            };
            tally.record(format!(
                "{} ({kind}) → {way}",
                format!("{e:?}").to_lowercase()
            ));
        }
        tally.check(tc(t), r);
    }
    tally.finish();
}
