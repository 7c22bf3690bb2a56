// Globals the facade reads that a browser lacks, injected by esbuild into the bundle
// (scripts/test-browser.js): Buffer (hex and base64 helpers) from the `buffer` package, and
// the little of `process` the facade touches (docs/wasm.md, "Bundling").
import { Buffer } from 'buffer';

const globals = globalThis as unknown as Record<string, unknown>;
if (globals.Buffer === undefined) globals.Buffer = Buffer;
if (globals.process === undefined) {
  globals.process = {
    env: {},
    // output.ts marks its result slab untransferable; in a page nothing transfers it.
    getBuiltinModule: (name: string) => (name === 'node:worker_threads' ? { markAsUntransferable: () => undefined } : undefined),
    emitWarning: (message: string) => console.warn(message),
  };
}
export { Buffer };
