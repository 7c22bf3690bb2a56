// The browser bundle's stand-in for ts/src/native.ts (scripts/test-browser.js aliases it):
// the addon is the WebAssembly build, through napi-rs's browser loader (the `browser` entry
// of pqwire-wasm32-wasi), which fetches the .wasm and starts its thread workers.
import binding from 'pqwire-wasm32-wasi';

export default binding;
