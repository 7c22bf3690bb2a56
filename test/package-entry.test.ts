/**
 * The compiled package, loaded the way users load it (`require('pqwire')`, `import ... from
 * 'pqwire'`) in a fresh `node`: every export is there, modules load on first use
 * (scripts/lazy-entry.js), the addon is required directly when it can be (ts/src/native.ts)
 * and the first public results do not load `node:worker_threads` (ts/src/output.ts).
 * `npm test` compiles ts/dist first.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve, sep } from 'node:path';
import { localBinary, wasiRequested } from '../ts/src/native';
import * as source from '../ts/src/index';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { lazyEntry } = require('../scripts/lazy-entry.js') as { lazyEntry: (js: string) => string };

/** The checkout: `pqwire` resolves to it from here (a package may import itself by name). */
const ROOT = resolve(__dirname, '..');

/** Runs `script` in a fresh node (CommonJS, or ESM with `esm`) and returns what it prints as JSON. */
function inFreshNode(script: string, options: { esm?: boolean; env?: NodeJS.ProcessEnv } = {}): any {
  const args = options.esm ? ['--input-type=module', '-e', script] : ['-e', script];
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...options.env } });
  if (r.status !== 0) throw new Error(`node exited with ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Node built-ins loaded before the script's own code ran. */
const BASELINE = `const baseline = new Set(process.moduleLoadList);`;
/** The project files and Node built-ins (since BASELINE) loaded so far, as JSON. */
const LOADED = `JSON.stringify({
  files: Object.keys(require.cache).filter((f) => f.startsWith(${JSON.stringify(ROOT)})).map((f) => require('node:path').relative(${JSON.stringify(ROOT)}, f).split(require('node:path').sep).join('/')),
  builtins: process.moduleLoadList.filter((m) => !baseline.has(m) && m.startsWith('NativeModule ')).map((m) => m.slice(13)),
})`;

describe('package entry', () => {
  it('exports every name the source index exports, with the same kind of value', () => {
    const kinds = inFreshNode(`const pq = require('pqwire');
      process.stdout.write(JSON.stringify(Object.fromEntries(Object.keys(pq).map((k) => [k, typeof pq[k]]))));`);
    const expected = Object.fromEntries(Object.keys(source).map((k) => [k, typeof (source as Record<string, unknown>)[k]]));
    expect(kinds).toEqual(expected);
  });

  it('gives ES modules every named export', () => {
    const names = Object.keys(source).filter((k) => k !== '__esModule');
    const out = inFreshNode(`import * as pq from 'pqwire';
      import { mlKem768, Session, channel, PqwireError } from 'pqwire';
      const { publicKey } = mlKem768.keygen();
      process.stdout.write(JSON.stringify({ names: Object.keys(pq), pk: publicKey.length,
        kinds: [typeof Session, typeof channel, typeof PqwireError] }));`, { esm: true });
    expect(out.pk).toBe(1184);
    expect(out.kinds).toEqual(['function', 'object', 'function']);
    for (const name of names) expect(out.names).toContain(name);
  });

  it('loads only the entry and the addon on require, and only the KEM layer for an ML-KEM call', () => {
    const out = inFreshNode(`${BASELINE} const pq = require('pqwire');
      const onRequire = ${LOADED};
      pq.mlKem768.keygen();
      const afterKem = ${LOADED}; // before process.stdout, which loads node:net for a pipe
      process.stdout.write(JSON.stringify({ onRequire: JSON.parse(onRequire), afterKem: JSON.parse(afterKem) }));`);
    const onRequire = out.onRequire.files as string[];
    // A binary in native/ (a source build) is required directly; a prebuilt platform
    // package in node_modules (test:arm64) through napi-rs's loader.
    const loader = localBinary(join(ROOT, 'native')) === undefined ? ['native/index.js'] : [];
    const own = onRequire.filter((f) => !f.endsWith('.node') && !f.startsWith('node_modules/'));
    expect(own.sort()).toEqual([...loader, 'ts/dist/index.js', 'ts/dist/native.js']);
    expect(onRequire.some((f) => f.endsWith('.node'))).toBe(true);
    const after = out.afterKem.files as string[];
    expect(after).toContain('ts/dist/kem.js');
    for (const layer of ['session', 'channel/index', 'negotiation', 'identity', 'wire', 'migration', 'sig', 'aead']) {
      expect(after).not.toContain(`ts/dist/${layer}.js`);
    }
    for (const builtin of ['net', 'stream', 'worker_threads']) expect(out.afterKem.builtins).not.toContain(builtin);
  });

  it('loads a layer on first use of one of its exports', () => {
    const out = inFreshNode(`const pq = require('pqwire');
      const baseline = new Set(); const before = JSON.parse(${LOADED}).files.includes('ts/dist/channel/index.js');
      const kind = typeof pq.channel.generateServerKey;
      process.stdout.write(JSON.stringify({ before, kind, after: JSON.parse(${LOADED}).files.includes('ts/dist/channel/index.js') }));`);
    expect(out).toEqual({ before: false, kind: 'function', after: true });
  });

  // `npm install` from source leaves exactly one binary in native/ (prebuilt packages
  // install elsewhere); with another layout there is nothing to check here.
  const built = localBinary(join(ROOT, 'native'));
  it.skipIf(built === undefined)('requires the addon directly, and through the napi-rs loader when told to', () => {
    const script = `${BASELINE} const pq = require('pqwire'); pq.x25519.keygen(); process.stdout.write(${LOADED});`;
    const direct = inFreshNode(script).files as string[];
    expect(direct).toContain(relative(ROOT, built!).split(sep).join('/'));
    expect(direct).not.toContain('native/index.js');
    const override = inFreshNode(script, { env: { NAPI_RS_NATIVE_LIBRARY_PATH: built } }).files as string[];
    expect(override).toContain('native/index.js');
    // napi-rs's request for the WebAssembly build goes to its loader (which, with no
    // WebAssembly build to load, falls back to the native binary under 'true'), and a value
    // its loader ignores leaves the direct load.
    const wasi = inFreshNode(script, { env: { NAPI_RS_FORCE_WASI: 'true' } }).files as string[];
    expect(wasi).toContain('native/index.js');
    const ignored = inFreshNode(script, { env: { NAPI_RS_FORCE_WASI: '1' } }).files as string[];
    expect(ignored).not.toContain('native/index.js');
  });

  it.skipIf(built === undefined)('falls back to the napi-rs loader, and its report, when the binary does not load', () => {
    // A copy of the package whose binary is not a shared library.
    const copy = mkdtempSync(join(tmpdir(), 'pqwire-entry-'));
    try {
      cpSync(join(ROOT, 'ts', 'dist'), join(copy, 'ts', 'dist'), { recursive: true });
      mkdirSync(join(copy, 'native'));
      copyFileSync(join(ROOT, 'native', 'index.js'), join(copy, 'native', 'index.js'));
      writeFileSync(join(copy, 'native', basename(built!)), 'not an ELF, Mach-O or PE file');
      const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(join(copy, 'ts', 'dist', 'index.js'))})`], { encoding: 'utf8' });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain('Cannot find native binding'); // the loader's message, not dlopen's
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

describe('pqwire/stores/sqlite (package subpath)', () => {
  it('loads by name, CommonJS and ES modules; pqwire itself loads neither it nor better-sqlite3', () => {
    const out = inFreshNode(`const pq = require('pqwire');
      const before = Object.keys(require.cache).filter((f) => f.endsWith('sqlite.js') || f.includes('better-sqlite3'));
      const sqlite = require('pqwire/stores/sqlite');
      const loaded = Object.keys(require.cache).some((f) => f.includes('better-sqlite3'));
      const s = sqlite.openSqliteStores(':memory:');
      s.close();
      process.stdout.write(JSON.stringify({ before, loaded, after: Object.keys(require.cache).some((f) => f.includes('better-sqlite3')),
        names: Object.keys(sqlite).sort(), store: typeof pq.InMemorySessionStore }));`);
    expect(out.before).toEqual([]);
    expect(out.loaded).toBe(false); // better-sqlite3 loads when a store is opened
    expect(out.after).toBe(true);
    expect(out.names).toEqual(
      ['SQLITE_STORE_APPLICATION_ID', 'SQLITE_STORE_SCHEMA_VERSION', 'SqliteIdentityStore', 'SqlitePrekeyStore', 'SqliteSessionStore', 'SqliteStateStore', 'SqliteStoreFile', 'openSqliteStores'].sort(),
    );
    const esm = inFreshNode(`import { openSqliteStores, SqliteSessionStore } from 'pqwire/stores/sqlite';
      const s = openSqliteStores(':memory:');
      const ok = s.sessionStore instanceof SqliteSessionStore;
      s.close();
      process.stdout.write(JSON.stringify({ ok }));`, { esm: true });
    expect(esm).toEqual({ ok: true });
  });
});

describe('wasiRequested (when native.ts leaves the choice to the napi-rs loader for WebAssembly)', () => {
  it('reads the values napi-rs\'s loader reads, and no others', () => {
    expect(wasiRequested({ NAPI_RS_FORCE_WASI: 'true' })).toBe(true);
    expect(wasiRequested({ NAPI_RS_FORCE_WASI: 'error' })).toBe(true);
    expect(wasiRequested({ NAPI_RS_WASI_FLAVOR: 'wasm32-wasi' })).toBe(true);
    for (const v of ['1', '0', 'false', '']) expect(wasiRequested({ NAPI_RS_FORCE_WASI: v })).toBe(false);
    expect(wasiRequested({ NAPI_RS_WASI_FLAVOR: '' })).toBe(false);
    expect(wasiRequested({})).toBe(false);
  });
});

describe('localBinary (which file native.ts requires directly)', () => {
  const dirWith = (names: string[]): string => {
    const dir = mkdtempSync(join(tmpdir(), 'pqwire-native-'));
    for (const n of names) writeFileSync(join(dir, n), '');
    return dir;
  };

  it('is the one binary named for the platform and architecture', () => {
    const dir = dirWith(['index.js', 'index.d.ts', 'pqwire.linux-x64-gnu.node', 'pqwire.linux-arm64-gnu.node']);
    expect(localBinary(dir, 'linux', 'x64')).toBe(join(dir, 'pqwire.linux-x64-gnu.node'));
    expect(localBinary(dir, 'linux', 'arm64')).toBe(join(dir, 'pqwire.linux-arm64-gnu.node'));
    expect(localBinary(dirWith(['pqwire.win32-x64-msvc.node']), 'win32', 'x64')).toMatch(/pqwire\.win32-x64-msvc\.node$/);
    expect(localBinary(dirWith(['pqwire.darwin-arm64.node']), 'darwin', 'arm64')).toMatch(/pqwire\.darwin-arm64\.node$/);
  });

  it('leaves the choice to the napi-rs loader when there is none, more than one, or a universal macOS binary', () => {
    expect(localBinary(dirWith(['index.js']), 'linux', 'x64')).toBeUndefined();
    expect(localBinary(dirWith(['pqwire.linux-x64-gnu.node', 'pqwire.linux-x64-musl.node']), 'linux', 'x64')).toBeUndefined();
    expect(localBinary(dirWith(['pqwire.linux-x64-gnu.node']), 'linux', 'arm64')).toBeUndefined();
    expect(localBinary(dirWith(['pqwire.linux-x64-gnu.node.bak']), 'linux', 'x64')).toBeUndefined();
    expect(localBinary(dirWith(['pqwire.darwin-arm64.node', 'pqwire.darwin-universal.node']), 'darwin', 'arm64')).toBeUndefined();
    expect(localBinary(join(tmpdir(), 'pqwire-no-such-dir'), 'linux', 'x64')).toBeUndefined();
  });
});

describe('scripts/lazy-entry.js', () => {
  const compiled = [
    '"use strict";',
    'Object.defineProperty(exports, "__esModule", { value: true });',
    'exports.b = exports.a = void 0;',
    'require("./native");',
    'var m_1 = require("./m");',
    'Object.defineProperty(exports, "a", { enumerable: true, get: function () { return m_1.a; } });',
    'var n_1 = require("./dir");',
    'Object.defineProperty(exports, "b", { enumerable: true, get: function () { return n_1.c; } });',
    '',
  ].join('\n');

  it('turns each re-exported module into one loaded on first use', () => {
    const out = lazyEntry(compiled);
    expect(out).toContain('[() => require("./m"), {"a":"a"}],');
    expect(out).toContain('[() => require("./dir"), {"b":"c"}],');
    expect(out).toContain('require("./native");'); // side-effect imports stay
    expect(out).not.toMatch(/^var \w+ = require/m);
    expect(out).not.toContain('void 0');
    expect(out).toContain('0 && (module.exports = { a, b });');
    expect(lazyEntry(out)).toBe(out);
    // The module loads when, and only when, one of its exports is read.
    const loads: string[] = [];
    const module = { exports: {} as Record<string, unknown> };
    const fakeRequire = (id: string) => (loads.push(id), id === './m' ? { a: 1 } : { c: 2 });
    new Function('exports', 'require', 'module', out)(module.exports, fakeRequire, module);
    expect(loads).toEqual(['./native']);
    expect(module.exports.b).toBe(2);
    expect(module.exports.a).toBe(1);
    expect(module.exports.a).toBe(1);
    expect(loads).toEqual(['./native', './dir', './m']);
    expect(Object.keys(module.exports).sort()).toEqual(['a', 'b']);
  });

  it('merges two requires of one module', () => {
    const twice = compiled.replace('var n_1 = require("./dir");', 'var n_1 = require("./m");');
    const out = lazyEntry(twice);
    expect(out).toContain('[() => require("./m"), {"a":"a","b":"c"}],');
    expect(out.match(/require\("\.\/m"\)/g)).toHaveLength(1);
  });

  it('refuses a compiled entry of another shape', () => {
    expect(() => lazyEntry('"use strict";\nexports.a = 1;\n')).toThrow(/no `var m_1/);
    expect(() => lazyEntry('"use strict";\nvar m_1 = require("./m");\n')).toThrow(/nothing is exported/);
    expect(() => lazyEntry(`${compiled}const x = m_1.a;\n`)).toThrow(/unknown shape/);
    expect(() => lazyEntry(compiled.replace('var m_1 = require("./m");\n', ''))).toThrow(/before its require/);
  });
});

describe('pqwire/client (package subpath)', () => {
  it('loads by name, CommonJS and ES modules, without the server (fastify, pg, better-sqlite3)', () => {
    const out = inFreshNode(`const client = require('pqwire/client');
      const heavy = Object.keys(require.cache).filter((f) => /node_modules[\\\\/](fastify|pg|better-sqlite3)[\\\\/]/.test(f));
      process.stdout.write(JSON.stringify({ heavy, names: Object.keys(client).sort() }));`);
    expect(out.heavy).toEqual([]);
    expect(out.names).toEqual(['Client', 'ClientError', 'ClientGroups', 'GROUP_RETRIES', 'InMemoryStateStore', 'deviceName']);
    const esm = inFreshNode(`import { Client, ClientError } from 'pqwire/client';
      process.stdout.write(JSON.stringify({ ok: typeof Client.open === 'function' && new ClientError('NOT_CONNECTED', 'x').code === 'NOT_CONNECTED' }));`, { esm: true });
    expect(esm).toEqual({ ok: true });
  });
});
