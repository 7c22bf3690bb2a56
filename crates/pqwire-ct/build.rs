//! Compiles the valgrind client-request shim (src/memcheck.c) with the system C compiler.

fn main() {
    println!("cargo:rerun-if-changed=src/memcheck.c");
    cc::Build::new()
        .file("src/memcheck.c")
        .warnings(true)
        .compile("pqwire_ct_memcheck");
}
