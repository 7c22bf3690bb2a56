/**
 * The native addon, loaded once. Nothing outside the facade should import this module.
 *
 * When `native/` holds exactly one binary for this platform and architecture (the one the
 * install script built from source, or one shipped there), it is required directly: the
 * loader napi-rs generated (`native/index.js`) costs more at start-up, mostly to tell
 * glibc from musl (benches/README.md, cold start). In every other case (no such binary, several, the
 * `NAPI_RS_NATIVE_LIBRARY_PATH` override, a request for the WebAssembly build, or a direct
 * load that fails) that loader decides, with its full report of what it tried.
 *
 * The WebAssembly build (docs/wasm.md) is the loader's: with no native binary that loads, it
 * falls back to `native/pqwire.wasi.cjs` or the `pqwire-wasm32-wasi` package, and napi-rs's
 * switches choose it first: `NAPI_RS_FORCE_WASI=true` (WebAssembly, else native),
 * `NAPI_RS_FORCE_WASI=error` (WebAssembly or an error) and `NAPI_RS_WASI_FLAVOR`. Any other
 * value of `NAPI_RS_FORCE_WASI` (`1`, `0`, `false`) is no request, as in the loader.
 * @internal
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

type Binding = typeof import('../../native/index.js');

const NATIVE_DIR = join(__dirname, '..', '..', 'native');

/**
 * The one binary in `dir` named for `platform` and `arch`, if there is exactly one. A
 * macOS universal binary, which napi-rs's loader would prefer, also leaves the choice
 * to that loader.
 * @internal Exported for tests.
 */
export function localBinary(dir: string, platform: string = process.platform, arch: string = process.arch): string | undefined {
  const prefix = `pqwire.${platform}-${arch}`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  if (platform === 'darwin' && names.includes('pqwire.darwin-universal.node')) return undefined;
  const matches = names.filter((n) => n.endsWith('.node') && (n === `${prefix}.node` || n.startsWith(`${prefix}-`)));
  return matches.length === 1 ? join(dir, matches[0]!) : undefined;
}

/**
 * Whether the environment asks napi-rs's loader for the WebAssembly build: the values its
 * loader reads (native/index.js), no others.
 * @internal Exported for tests.
 */
export function wasiRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env.NAPI_RS_FORCE_WASI;
  return force === 'true' || force === 'error' || (env.NAPI_RS_WASI_FLAVOR ?? '') !== '';
}

function load(): Binding {
  const file = process.env.NAPI_RS_NATIVE_LIBRARY_PATH || wasiRequested() ? undefined : localBinary(NATIVE_DIR);
  if (file !== undefined) {
    try {
      return require(file) as Binding;
    } catch {
      // Not loadable here (another libc, say): the generated loader explains.
    }
  }
  return require('../../native/index.js') as Binding;
}

const binding: Binding = load();

export default binding;
export type {
  WireField,
  WireMessage as NativeWireMessage,
  NativeAgreement,
  KemKeys,
  KemEncapsulation,
  KemLengths,
  SigKeys,
  SigLengths,
  SigVerification,
  KemKeyPair as NativeKemKeyPair,
  SigKeyPair as NativeSigKeyPair,
} from '../../native/index.js';
