// `npm run test:wasm` (scripts/test-wasm.js): the vitest suites against the WebAssembly build.
// NAPI_RS_FORCE_WASI=error is set for the test workers only, not for vitest's own process:
// every napi-rs package reads it, rolldown (under vitest) included, and rolldown ships no
// WebAssembly build here. Child processes the tests start inherit it.
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.mts';

export default mergeConfig(base, defineConfig({ test: { env: { NAPI_RS_FORCE_WASI: 'error' } } }));
