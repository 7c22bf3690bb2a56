//! Shared plumbing of the vector tests: where the vectors live, JSON and text loading,
//! hex helpers, and [`Tally`], the per-file account of ran / passed / skipped cases.

use pqwire_core::kem::{self, KemBackend};
use pqwire_core::sig::{self, SigBackend};
use pqwire_core::{Backend, Error, KemSuite, SecretBytes, SigSuite};
use serde_json::Value;
use shake::{ExtendableOutput, Shake128, Shake128Reader, XofReader};
use std::collections::BTreeMap;
use std::fmt::Display;
use std::io::Read;
use std::path::PathBuf;

/// Returns early from a case closure with a failure message when `$cond` is false.
macro_rules! ensure {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err(format!($($fmt)+));
        }
    };
}

/// The vectors folder: `$PQWIRE_VECTORS`, else `shared/vectors` next to the repository.
pub fn vectors_dir() -> PathBuf {
    let dir = match std::env::var_os("PQWIRE_VECTORS") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors"),
    };
    assert!(
        dir.is_dir(),
        "test vectors not found at {} (set PQWIRE_VECTORS to the shared/vectors folder)",
        dir.display()
    );
    dir
}

/// The raw bytes of a vector file (relative to the vectors folder), gunzipped when it ends in `.gz`.
pub fn read_bytes(rel: &str) -> Vec<u8> {
    let path = vectors_dir().join(rel);
    let raw = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if rel.ends_with(".gz") {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(raw.as_slice())
            .read_to_end(&mut out)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        out
    } else {
        raw
    }
}

/// A text vector file.
pub fn read_text(rel: &str) -> String {
    String::from_utf8(read_bytes(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// A JSON vector file.
pub fn load_json(rel: &str) -> Value {
    serde_json::from_slice(&read_bytes(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// An ACVP file (`acvp/<file>`) and its tally, labelled `acvp <file>` and the backend
/// that runs it, if one is named.
pub fn acvp(file: &str, backend: Option<&str>) -> (Value, Tally) {
    open_json("acvp", "acvp", file, backend)
}

/// A Wycheproof file (`wycheproof/testvectors_v1/<file>`) and its tally, labelled
/// `wycheproof <file>` and the backend that runs it, if one is named.
pub fn wycheproof(file: &str, backend: Option<&str>) -> (Value, Tally) {
    open_json("wycheproof/testvectors_v1", "wycheproof", file, backend)
}

fn open_json(dir: &str, source: &str, file: &str, backend: Option<&str>) -> (Value, Tally) {
    let label = format!("{source} {file}{}", backend.map(tag).unwrap_or_default());
    (load_json(&format!("{dir}/{file}")), Tally::new(label))
}

/// An ACVP keyGen file, once per backend of `backends`: the keys that
/// `keygen(parameter set, backend, test)` generates from each test's seed are the listed
/// ones, named `pk` and `sk` (ML-DSA) or `ek` and `dk` (ML-KEM) in `names`.
pub fn acvp_keygen(
    file: &str,
    backends: Vec<&'static str>,
    names: [&str; 2],
    keygen: impl Fn(&str, &str, &Value) -> Result<(Vec<u8>, SecretBytes), Error>,
) {
    for backend in backends {
        let (v, mut tally) = acvp(file, Some(backend));
        for (g, t) in group_tests(&v) {
            let set = st(g, "parameterSet");
            let r = case(|| {
                let (pk, sk) = keygen(set, backend, t).map_err(|e| format!("keygen: {e}"))?;
                let [pk_name, sk_name] = names;
                ensure!(
                    pk == hx(t, pk_name),
                    "{set}: {pk_name} {} differs",
                    short(&pk)
                );
                ensure!(sk.expose() == hx(t, sk_name), "{set}: {sk_name} differs");
                Ok(())
            });
            tally.check(tc(t), r);
        }
        tally.finish();
    }
}

/// Every test of every group of an ACVP or Wycheproof file, with its group.
pub fn group_tests(v: &Value) -> impl Iterator<Item = (&Value, &Value)> {
    arr(v, "testGroups")
        .iter()
        .flat_map(|g| arr(g, "tests").iter().map(move |t| (g, t)))
}

/// How many tests a group (or a file, counting every group) holds.
pub fn test_count(v: &Value) -> usize {
    match v.get("testGroups") {
        Some(_) => arr(v, "testGroups").iter().map(test_count).sum(),
        None => arr(v, "tests").len(),
    }
}

/// Decodes hex (either case).
pub fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s.trim()).unwrap_or_else(|e| panic!("bad hex {s:.40}: {e}"))
}

/// The hex string field `key` of `v`, decoded. Panics when absent (a malformed vector file).
pub fn hx(v: &Value, key: &str) -> Vec<u8> {
    opt_hx(v, key).unwrap_or_else(|| panic!("missing hex field {key:?}"))
}

/// The hex string field `key` of `v`, decoded, or `None` when absent or null.
pub fn opt_hx(v: &Value, key: &str) -> Option<Vec<u8>> {
    v.get(key).and_then(Value::as_str).map(unhex)
}

/// The string field `key` of `v`.
pub fn st<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("missing string field {key:?}"))
}

/// The integer field `key` of `v`.
pub fn num(v: &Value, key: &str) -> u64 {
    v.get(key)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("missing integer field {key:?}"))
}

/// The boolean field `key` of `v`.
pub fn flag(v: &Value, key: &str) -> bool {
    v.get(key)
        .and_then(Value::as_bool)
        .unwrap_or_else(|| panic!("missing boolean field {key:?}"))
}

/// The array field `key` of `v`.
pub fn arr<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_else(|| panic!("missing array field {key:?}"))
}

/// `tcId N`, the name of a case in failure lists.
pub fn tc(t: &Value) -> String {
    format!("tcId {}", t.get("tcId").cloned().unwrap_or(Value::Null))
}

/// The first bytes of a byte string in hex, for failure messages.
pub fn short(b: &[u8]) -> String {
    let h = hex::encode(&b[..b.len().min(8)]);
    if b.len() > 8 {
        format!("{h}…({} bytes)", b.len())
    } else {
        h
    }
}

/// The error code of a result, or `"ok"`.
pub fn outcome<T>(r: &Result<T, Error>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

/// A KEM suite from an ACVP / Wycheproof parameter-set name (`"ML-KEM-768"`).
pub fn kem_suite(name: &str) -> KemSuite {
    KemSuite::from_name(name).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A signature suite from an ACVP parameter-set name (`"ML-DSA-65"`).
pub fn sig_suite(name: &str) -> SigSuite {
    SigSuite::from_name(name).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The three ML-KEM parameter sets with their numeric names.
pub const ML_KEM: [(KemSuite, u32); 3] = [
    (KemSuite::MlKem512, 512),
    (KemSuite::MlKem768, 768),
    (KemSuite::MlKem1024, 1024),
];

/// The three ML-DSA parameter sets with their numeric names.
pub const ML_DSA: [(SigSuite, u32); 3] = [
    (SigSuite::MlDsa44, 44),
    (SigSuite::MlDsa65, 65),
    (SigSuite::MlDsa87, 87),
];

/// Whether this build has the backend `name` (`"aws-lc"` or a [`Backend`] name): the
/// pure-Rust build (`--no-default-features --features pure-rust`) has neither AWS-LC nor
/// PQClean, and the vectors run on what it has.
pub fn is_built(name: &str) -> bool {
    match name {
        "aws-lc" => cfg!(feature = "aws-lc"),
        other => Backend::from_name(other).is_some_and(Backend::is_built),
    }
}

fn built(names: &[&'static str]) -> Vec<&'static str> {
    names.iter().copied().filter(|n| is_built(n)).collect()
}

/// The backends that take seeds and randomness; deterministic vectors run against each.
pub fn seeded_backends() -> Vec<&'static str> {
    built(&["rustcrypto", "libcrux"])
}

/// Every ML-KEM / ML-DSA backend: [`seeded_backends`] and PQClean.
pub fn all_backends() -> Vec<&'static str> {
    built(&["rustcrypto", "libcrux", "pqclean"])
}

/// The ML-KEM backends that take seeds and randomness: [`seeded_backends`] and AWS-LC (the
/// default), whose seeded key generation and encapsulation are libcrux's and whose key
/// checks are RustCrypto's (as in every backend), but whose decapsulation and unseeded
/// encapsulation are its own.
pub fn seeded_kem_backends() -> Vec<&'static str> {
    built(&["aws-lc", "rustcrypto", "libcrux"])
}

/// Every ML-KEM backend: [`seeded_kem_backends`] and PQClean.
pub fn all_kem_backends() -> Vec<&'static str> {
    built(&["aws-lc", "rustcrypto", "libcrux", "pqclean"])
}

/// The suffix of a tally label naming the backend that ran (` [libcrux]`).
pub fn tag(backend: &str) -> String {
    format!(" [{backend}]")
}

/// The KEM backend `name` (one of [`all_kem_backends`]) of `suite`.
pub fn kem_backend_named(suite: KemSuite, name: &str) -> &'static dyn KemBackend {
    match name {
        #[cfg(feature = "aws-lc")]
        "aws-lc" => kem::aws_lc_backend(suite),
        other => Backend::from_name(other).and_then(|b| kem::backend_of(suite, b).ok()),
    }
    .unwrap_or_else(|| panic!("{suite} has no {name} backend"))
}

/// The signature backend `name` (one of [`all_backends`]) of `suite`.
pub fn sig_backend_named(suite: SigSuite, name: &str) -> &'static dyn SigBackend {
    Backend::from_name(name)
        .and_then(|b| sig::backend_of(suite, b).ok())
        .unwrap_or_else(|| panic!("{suite} has no {name} backend"))
}

/// PQClean draws its own randomness: no seeded key generation, encapsulation or signing.
pub fn is_pqclean(backend_name: &str) -> bool {
    backend_name == "pqclean"
}

/// External μ (`sig::sign_mu`, `sig::verify_mu`) is RustCrypto's whatever the backend, so
/// μ cases run in the RustCrypto pass only.
pub const MU_ELSEWHERE: &str =
    "external mu is RustCrypto's in every backend (sig::sign_mu / verify_mu); run in the [rustcrypto] pass";

/// `name = hexvalue` lines of the CCTV text files, in file order.
pub fn key_values(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| l.split_once(" = "))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// The first value named `name` in [`key_values`] output, hex-decoded.
pub fn kv_hex(kv: &[(String, String)], name: &str) -> Vec<u8> {
    kv.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| unhex(v))
        .unwrap_or_else(|| panic!("no {name:?} line"))
}

/// What a Wycheproof case expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Must succeed with the stated output.
    Valid,
    /// Must be rejected (or give a different output).
    Invalid,
    /// Either way; we record which.
    Acceptable,
}

/// The `result` field of a Wycheproof case.
pub fn expect(t: &Value) -> Expect {
    match st(t, "result") {
        "valid" => Expect::Valid,
        "invalid" => Expect::Invalid,
        "acceptable" => Expect::Acceptable,
        other => panic!("unknown Wycheproof result {other:?}"),
    }
}

/// How many failures a tally lists (`$PQWIRE_VECTORS_SHOW_FAILURES`, default 8).
fn max_failures_shown() -> usize {
    std::env::var("PQWIRE_VECTORS_SHOW_FAILURES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8)
}

/// The per-file account: every case either ran (and passed or failed) or was skipped
/// with a reason. [`Tally::finish`] prints one line and asserts that nothing failed.
pub struct Tally {
    label: String,
    /// Cases run.
    pub ran: usize,
    /// Cases run that passed.
    pub passed: usize,
    /// Cases not run, by reason.
    pub skipped: Vec<(String, usize)>,
    failures: Vec<String>,
    outcomes: BTreeMap<String, usize>,
    notes: Vec<String>,
}

impl Tally {
    /// A tally for `label` (for example `wycheproof mlkem_768_test.json`).
    pub fn new(label: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            ran: 0,
            passed: 0,
            skipped: Vec::new(),
            failures: Vec::new(),
            outcomes: BTreeMap::new(),
            notes: Vec::new(),
        }
    }

    /// Records a case that ran: `Ok` passed, `Err(why)` failed.
    pub fn check(&mut self, id: impl Display, result: Result<(), String>) {
        self.ran += 1;
        match result {
            Ok(()) => self.passed += 1,
            Err(why) => self.failures.push(format!("{id}: {why}")),
        }
    }

    /// Records a skipped case.
    pub fn skip(&mut self, reason: impl Into<String>) {
        self.skip_n(reason, 1);
    }

    /// Records `n` skipped cases with one reason.
    pub fn skip_n(&mut self, reason: impl Into<String>, n: usize) {
        let reason = reason.into();
        match self.skipped.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, c)) => *c += n,
            None => self.skipped.push((reason, n)),
        }
    }

    /// Counts an observed outcome (for example which way an `acceptable` case went);
    /// printed under the tally line.
    pub fn record(&mut self, what: impl Into<String>) {
        *self.outcomes.entry(what.into()).or_insert(0) += 1;
    }

    /// Adds a free-text line printed under the tally line.
    pub fn note(&mut self, line: impl Into<String>) {
        self.notes.push(line.into());
    }

    /// Total of skipped cases.
    pub fn skipped_total(&self) -> usize {
        self.skipped.iter().map(|(_, n)| n).sum()
    }

    /// Prints the tally line (and recorded outcomes) and asserts that every case that
    /// ran passed and that the file was not empty.
    pub fn finish(self) {
        let skipped = self.skipped_total();
        let mut out = format!(
            "[vectors] {}: ran {}, passed {}, skipped {}",
            self.label, self.ran, self.passed, skipped
        );
        if !self.skipped.is_empty() {
            let reasons: Vec<String> = self
                .skipped
                .iter()
                .map(|(r, n)| format!("{n}: {r}"))
                .collect();
            out.push_str(&format!(" [{}]", reasons.join("; ")));
        }
        for (what, n) in &self.outcomes {
            out.push_str(&format!("\n[vectors]     {}: {what}: {n}", self.label));
        }
        for line in &self.notes {
            out.push_str(&format!("\n[vectors]     {}: {line}", self.label));
        }
        println!("{out}");
        assert!(
            self.ran + skipped > 0,
            "{}: no cases found in the file",
            self.label
        );
        assert!(
            self.failures.is_empty() && self.passed == self.ran,
            "{}: {} of {} cases failed; first failures:\n  {}",
            self.label,
            self.failures.len(),
            self.ran,
            self.failures
                .iter()
                .take(max_failures_shown())
                .cloned()
                .collect::<Vec<_>>()
                .join("\n  ")
        );
    }
}

/// Runs one case body; gives the closure its `Result<(), String>` type.
pub fn case(f: impl FnOnce() -> Result<(), String>) -> Result<(), String> {
    f()
}

/// CCTV's accumulated tests of parameter set `set` in `backend`: `iterations` cases named
/// `<item> <i>`, each reading its inputs from the stream SHAKE128("") and feeding its
/// outputs into a second SHAKE128, whose first 32 bytes must equal the published `want`
/// (hex). Prints one tally.
pub fn accumulated(
    (set, backend): (&str, &str),
    (item, iterations): (&str, usize),
    want: &str,
    mut step: impl FnMut(&mut Shake128Reader, &mut Shake128) -> Result<(), String>,
) {
    let label = format!("cctv {set} accumulated ({iterations} {item}s)");
    let mut tally = Tally::new(format!("{label}{}", tag(backend)));
    let mut source = Shake128::default().finalize_xof();
    let mut acc = Shake128::default();
    for i in 0..iterations {
        tally.check(format!("{item} {i}"), step(&mut source, &mut acc));
    }
    let mut hash = [0u8; 32];
    acc.finalize_xof().read(&mut hash);
    let got = hex::encode(hash);
    tally.check(
        "accumulated hash",
        case(|| {
            ensure!(got == want, "hash {got} != {want}");
            Ok(())
        }),
    );
    tally.finish();
}
