//! `inspect` renders any byte string and never panics (the only check: it returns).
#![no_main]

use libfuzzer_sys::fuzz_target;
use pqwire_core::wire;

fuzz_target!(|data: &[u8]| {
    let text = wire::inspect(data);
    assert!(text.starts_with("pqwire message, "));
});
