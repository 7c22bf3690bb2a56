//! Runs every case in its own `valgrind --tool=memcheck` process and judges the logs.

use crate::{cases, memcheck};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// The reviewed suppression file: branches on public results, each with its reason.
const SUPPRESSIONS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/ct.supp");
/// Where each case's memcheck log is written (kept for reading after a failure).
const LOG_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/ct-logs");
/// Lines of a failing case's log printed inline.
const MAX_PRINTED_LINES: usize = 300;

/// What `check` runs.
pub struct Options {
    /// Substrings of case names; empty: every case.
    pub filters: Vec<String>,
    /// Processes at once (default: the number of CPUs).
    pub jobs: usize,
    /// `--track-origins=yes`: each report says where the secret came from (slower).
    pub origins: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            filters: Vec::new(),
            jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
            origins: true,
        }
    }
}

impl Options {
    /// Parses `[--jobs N] [--no-origins] [FILTER...]`; `None` on a bad argument.
    pub fn parse(args: &[String]) -> Option<Self> {
        let mut options = Options::default();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "--jobs" | "-j" => options.jobs = it.next()?.parse().ok().filter(|&n| n > 0)?,
                "--no-origins" => options.origins = false,
                s if s.starts_with('-') => return None,
                s => options.filters.push(s.to_string()),
            }
        }
        Some(options)
    }
}

/// The counts memcheck prints at the end of a log.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct LogSummary {
    /// Errors reported (each occurrence, after suppressions).
    pub errors: u64,
    /// Distinct contexts (stack traces) among them.
    pub contexts: u64,
    /// Occurrences suppressed by `ct.supp`.
    pub suppressed: u64,
    /// The suppression entries used, with how many reports each suppressed.
    pub used_suppressions: Vec<(String, u64)>,
}

/// Reads memcheck's `ERROR SUMMARY: N errors from M contexts (suppressed: S from T)` and
/// the `used_suppression:` lines of `-v`; `None` when there is no summary (valgrind or
/// the case crashed).
pub fn parse_log(log: &str) -> Option<LogSummary> {
    let mut summary = None;
    let mut used = Vec::new();
    for line in log.lines() {
        if let Some(rest) = line.split("ERROR SUMMARY: ").nth(1) {
            let numbers: Vec<u64> = rest
                .split(|c: char| !c.is_ascii_digit() && c != ',')
                .filter(|w| !w.is_empty() && *w != ",")
                .filter_map(|w| w.replace(',', "").parse().ok())
                .collect();
            if let [errors, contexts, suppressed, ..] = numbers[..] {
                summary = Some((errors, contexts, suppressed));
            }
        } else if let Some(rest) = line.split("used_suppression:").nth(1) {
            // `used_suppression:     12 name /path/ct.supp:34`
            let mut words = rest.split_whitespace();
            if let (Some(count), Some(name)) = (words.next(), words.next()) {
                if let Ok(count) = count.replace(',', "").parse() {
                    used.push((name.to_string(), count));
                }
            }
        }
    }
    let (errors, contexts, suppressed) = summary?;
    Some(LogSummary {
        errors,
        contexts,
        suppressed,
        used_suppressions: used,
    })
}

/// The entries of a suppression file, each with its `# at most: N` limit if it has one.
pub fn suppression_entries(text: &str) -> Vec<(String, Option<u64>)> {
    let mut entries = Vec::new();
    let mut after_brace = false;
    let mut limit = None;
    for line in text.lines() {
        let line = line.trim();
        if let Some(n) = line.strip_prefix("# at most:") {
            limit = n.trim().parse().ok();
            continue;
        }
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if after_brace {
            entries.push((line.to_string(), limit.take()));
        }
        after_brace = line == "{";
    }
    entries
}

struct CaseResult {
    name: String,
    passed: bool,
    line: String,
    details: Vec<String>,
    used: Vec<(String, u64)>,
}

fn valgrind_version() -> Option<String> {
    let out = Command::new("valgrind").arg("--version").output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The lines of a log worth printing: memcheck's reports and the suppression templates.
fn report_lines(log: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_reports = false;
    for line in log.lines() {
        if line.starts_with("--") {
            continue; // `-v` chatter
        }
        let text = line.split_once("== ").map_or(line, |(_, t)| t);
        if line.starts_with("==") && text.starts_with("HEAP SUMMARY") {
            in_reports = false;
        }
        if line.starts_with("==") && text.starts_with("Command:") {
            in_reports = true;
            continue;
        }
        if in_reports {
            out.push(line.to_string());
        }
    }
    out
}

fn run_case(
    exe: &Path,
    case: &cases::Case,
    options: &Options,
    logs: &Path,
    limits: &BTreeMap<String, u64>,
) -> CaseResult {
    let started = Instant::now();
    let log_path = logs.join(format!("{}.log", case.name.replace('/', "_")));
    let mut cmd = Command::new("valgrind");
    cmd.arg("--tool=memcheck")
        .arg("--leak-check=no")
        .arg("--num-callers=40")
        .arg("--gen-suppressions=all")
        .arg("-v")
        .arg(format!("--suppressions={SUPPRESSIONS}"))
        .arg(format!("--log-file={}", log_path.display()));
    if options.origins {
        cmd.arg("--track-origins=yes");
    }
    cmd.arg(exe).arg("run").arg(&case.name);
    let output = cmd.stdin(Stdio::null()).output();
    let seconds = started.elapsed().as_secs_f64();
    let mut details = Vec::new();
    let (status_ok, stderr) = match output {
        Ok(o) => (
            o.status.success(),
            String::from_utf8_lossy(&o.stderr).trim().to_string(),
        ),
        Err(e) => (false, format!("could not start valgrind: {e}")),
    };
    if !stderr.is_empty() {
        details.push(stderr);
    }
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    let summary = parse_log(&log);
    let (passed, verdict) = match (&summary, status_ok) {
        (None, _) => (false, "no memcheck summary (crash?)".to_string()),
        (Some(_), false) => (false, "the operation failed".to_string()),
        (Some(s), true) if case.expect_report => (
            s.errors > 0,
            if s.errors > 0 {
                format!("reported as it must be: {} reports", s.errors)
            } else {
                "NOT reported: the check is blind".to_string()
            },
        ),
        (Some(s), true) => {
            let over: Vec<String> = s
                .used_suppressions
                .iter()
                .filter_map(|(name, n)| {
                    let max = limits.get(name)?;
                    (n > max).then(|| format!("{name} matched {n} times, at most {max}"))
                })
                .collect();
            let verdict = format!(
                "{} reports from {} places, {} suppressed",
                s.errors, s.contexts, s.suppressed
            );
            if over.is_empty() {
                (s.errors == 0, verdict)
            } else {
                (
                    false,
                    format!("{verdict}; over a limit: {}", over.join(", ")),
                )
            }
        }
    };
    if !passed && !case.expect_report {
        let lines = report_lines(&log);
        let shown = lines.len().min(MAX_PRINTED_LINES);
        details.extend(lines.into_iter().take(shown));
        details.push(format!("(full log: {})", log_path.display()));
    }
    CaseResult {
        name: case.name.clone(),
        passed,
        line: format!(
            "ct: {} {} ({verdict}; {seconds:.1} s)",
            if passed { "ok  " } else { "FAIL" },
            case.name
        ),
        details,
        used: summary.map(|s| s.used_suppressions).unwrap_or_default(),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("ct: {message}");
    println!("ct: 0 passed, 1 failed");
    ExitCode::FAILURE
}

/// Runs the selected cases under memcheck; prints one line per case, the unused
/// suppression entries, and `ct: N passed, N failed` last.
pub fn check(options: &Options) -> ExitCode {
    if !memcheck::compiled_with_valgrind() {
        return fail(
            "pqwire-ct was built without <valgrind/memcheck.h>: install valgrind (apt-get install valgrind) and rebuild",
        );
    }
    let Some(version) = valgrind_version() else {
        return fail("valgrind not found: apt-get install valgrind");
    };
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => return fail(&format!("cannot find my own executable: {e}")),
    };
    let logs = PathBuf::from(LOG_DIR);
    if let Err(e) = std::fs::create_dir_all(&logs) {
        return fail(&format!("cannot create {}: {e}", logs.display()));
    }
    let entries = match std::fs::read_to_string(SUPPRESSIONS) {
        Ok(t) => suppression_entries(&t),
        Err(e) => return fail(&format!("cannot read {SUPPRESSIONS}: {e}")),
    };
    let limits: BTreeMap<String, u64> = entries
        .iter()
        .filter_map(|(name, limit)| Some((name.clone(), (*limit)?)))
        .collect();

    let all = cases::all();
    let selected: Vec<&cases::Case> = all
        .iter()
        .filter(|c| {
            options.filters.is_empty() || options.filters.iter().any(|f| c.name.contains(f))
        })
        .collect();
    if selected.is_empty() {
        return fail("no case matches the filters");
    }
    println!(
        "ct: {} cases under {version} memcheck, {} at a time; logs in {}",
        selected.len(),
        options.jobs,
        logs.display()
    );

    let started = Instant::now();
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<CaseResult>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..options.jobs.min(selected.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(case) = selected.get(i) else { break };
                let r = run_case(&exe, case, options, &logs, &limits);
                println!("{}", r.line);
                if let Ok(mut all) = results.lock() {
                    all.push(r);
                }
            });
        }
    });
    let results = results.into_inner().unwrap_or_default();

    let failed: Vec<&CaseResult> = results.iter().filter(|r| !r.passed).collect();
    for r in &failed {
        println!("\n=== {} ===", r.name);
        for d in &r.details {
            println!("{d}");
        }
    }

    // Entries no case used: code that changed, or a CPU taking another code path. Worth a
    // look in review, but not a failure (the set used depends on the CPU's features).
    if options.filters.is_empty() {
        let mut used: BTreeMap<&str, ()> = BTreeMap::new();
        for r in &results {
            for (u, _) in &r.used {
                used.insert(u, ());
            }
        }
        let unused: Vec<&str> = entries
            .iter()
            .map(|(n, _)| n.as_str())
            .filter(|n| !used.contains_key(n))
            .collect();
        if !unused.is_empty() {
            println!(
                "\nct: suppression entries no case used on this machine: {}",
                unused.join(", ")
            );
        }
    }

    let passed = results.len() - failed.len();
    let missing = selected.len() - results.len();
    println!(
        "\nct: {:.0} s in all{}",
        started.elapsed().as_secs_f64(),
        if failed.is_empty() {
            String::new()
        } else {
            format!(
                "; failed: {}",
                failed
                    .iter()
                    .map(|r| r.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    println!("ct: {passed} passed, {} failed", failed.len() + missing);
    if failed.is_empty() && missing == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_memcheck_summaries() {
        let log = "==12== Command: pqwire-ct run x\n\
                   --12-- used_suppression:      3 aws-lc-aead-tag-check /w/ct.supp:10\n\
                   ==12== ERROR SUMMARY: 2,816 errors from 1 contexts (suppressed: 3 from 1)\n";
        assert_eq!(
            parse_log(log),
            Some(LogSummary {
                errors: 2816,
                contexts: 1,
                suppressed: 3,
                used_suppressions: vec![("aws-lc-aead-tag-check".into(), 3)],
            })
        );
        assert_eq!(parse_log("==12== Command: crashed\n"), None);
    }

    #[test]
    fn lists_suppression_entries_and_limits() {
        let text = "# reason\n# at most: 1\n{\n   first\n   Memcheck:Cond\n   fun:f\n}\n\n{\n   second\n   Memcheck:Value8\n   ...\n}\n";
        assert_eq!(
            suppression_entries(text),
            vec![("first".into(), Some(1)), ("second".into(), None)]
        );
    }

    #[test]
    fn parses_options() {
        let o = Options::parse(&["--jobs".into(), "3".into(), "kem/".into()]);
        assert!(o.is_some_and(|o| o.jobs == 3 && o.filters == ["kem/"] && o.origins));
        assert!(Options::parse(&["--bogus".into()]).is_none());
        assert!(Options::parse(&["--jobs".into(), "0".into()]).is_none());
    }
}
