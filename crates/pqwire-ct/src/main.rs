//! `pqwire-ct`: a ctgrind-style constant-time check of pqwire-core (docs/constant-time.md).
//!
//! Each case marks its secret inputs undefined for valgrind's memcheck
//! (`VALGRIND_MAKE_MEM_UNDEFINED`), runs one operation, and marks its public outputs
//! defined again. Memcheck then reports every conditional jump and every memory address
//! computed from a secret. The runner starts one memcheck process per case, with the
//! reviewed suppression file `ct.supp` (branches on public results by design, each with
//! its reason), and fails on any other report.
//!
//! ```text
//! pqwire-ct [check] [--jobs N] [--no-origins] [FILTER...]   run the cases (all, or those
//!                                                           whose name contains a FILTER)
//! pqwire-ct --self-test                                      only the cases that must be reported
//! pqwire-ct list                                             the case names
//! pqwire-ct run CASE                                         one case in this process (what
//!                                                            the runner starts under valgrind)
//! ```
//!
//! The last line of `check` is `ct: N passed, N failed`.

mod cases;
mod memcheck;
mod runner;

use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!(
        "usage: pqwire-ct [check] [--jobs N] [--no-origins] [FILTER...] | --self-test | list | run CASE"
    );
    println!("ct: 0 passed, 1 failed");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("list") => {
            for case in cases::all() {
                println!("{}", case.name);
            }
            ExitCode::SUCCESS
        }
        Some("run") => {
            let [_, name] = args.as_slice() else {
                return usage();
            };
            run_one(name)
        }
        Some("--self-test") => runner::check(&runner::Options {
            filters: vec!["self-test/".into()],
            ..runner::Options::default()
        }),
        _ => {
            let rest = match args.first().map(String::as_str) {
                Some("check") => &args[1..],
                _ => &args[..],
            };
            match runner::Options::parse(rest) {
                Some(options) => runner::check(&options),
                None => usage(),
            }
        }
    }
}

/// Runs case `name` in this process; the exit code says whether the operation itself
/// behaved (memcheck's reports are the runner's business).
fn run_one(name: &str) -> ExitCode {
    let all = cases::all();
    let Some(case) = all.iter().find(|c| c.name == name) else {
        eprintln!("pqwire-ct: no case named {name:?} (see `pqwire-ct list`)");
        return ExitCode::from(2);
    };
    if !memcheck::running_on_valgrind() {
        eprintln!("pqwire-ct: not under valgrind: {name} runs, but nothing is checked");
    }
    match case.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pqwire-ct: {name}: {e}");
            ExitCode::FAILURE
        }
    }
}
