//! Build script: lets napi-build set the linker flags for a Node addon.

fn main() {
    napi_build::setup();
}
