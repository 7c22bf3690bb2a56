#!/usr/bin/env node
// `npm run test:browser`: the TypeScript facade on the WebAssembly build in headless
// Chromium (docs/wasm.md, "What was tested").
//
// 1. Builds the WebAssembly package (scripts/build-wasm.js --link; `--no-build` skips it).
// 2. Bundles test/browser/page.ts with esbuild: the facade's modules from ts/src, with
//    ts/src/native.ts replaced by test/browser/native.ts (napi-rs's browser loader of
//    pqwire-wasm32-wasi), `node:events` by the `events` package, and Buffer and the little
//    of `process` the facade reads injected (test/browser/shims.ts).
// 3. Serves the page, the bundle and napi-rs's worker from a small static server on
//    127.0.0.1 that sends `Cross-Origin-Opener-Policy: same-origin` and
//    `Cross-Origin-Embedder-Policy: require-corp` (cross-origin isolation, without which
//    there is no SharedArrayBuffer, so no shared wasm memory and no threads), and the
//    official vectors under /vectors/ from ../shared/vectors beside the clone
//    (PQWIRE_VECTORS overrides the directory).
// 4. Drives /usr/bin/chromium (Debian's; CHROMIUM overrides the path) headless through
//    playwright-core and reads each test's result from the page.
// 5. Prints `N passed, N failed` as its last line; exits non-zero on any failure.
//
// Installs nothing, except: when /usr/bin/chromium is missing and this runs as root, it
// runs `apt-get update` and `apt-get install -y chromium` (and says so first).
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const noBuild = process.argv.includes('--no-build');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const vectorsDir = path.resolve(process.env.PQWIRE_VECTORS || path.join(root, '..', 'shared', 'vectors'));
const PACKAGE_DIR = path.join(root, 'npm', 'wasm32-wasi');
const TIMEOUT_MS = 10 * 60 * 1000;

function log(msg) {
  process.stdout.write(`test-browser: ${msg}\n`);
}

function fail(msg) {
  log(msg);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

function run(cmd, args) {
  log(`$ ${cmd} ${args.join(' ')}`);
  return spawnSync(cmd, args, { cwd: root, stdio: 'inherit' }).status === 0;
}

function ensureChromium() {
  if (fs.existsSync(chromiumPath)) return;
  if (process.env.CHROMIUM || process.platform !== 'linux' || typeof process.getuid !== 'function' || process.getuid() !== 0) {
    fail(`no Chromium at ${chromiumPath}: install it (Debian: apt-get install chromium) or set CHROMIUM`);
  }
  log(`${chromiumPath} is missing: installing Debian's chromium package (apt-get update; apt-get install -y chromium)`);
  if (!run('apt-get', ['update']) || !run('apt-get', ['install', '-y', 'chromium'])) fail('apt-get could not install chromium');
}

async function bundle(outDir) {
  const esbuild = require('esbuild');
  const alias = (from, to) => ({
    name: `alias ${from}`,
    setup(build) {
      build.onResolve({ filter: from }, (args) => ({ path: typeof to === 'function' ? to(args) : to }));
    },
  });
  await esbuild.build({
    entryPoints: [path.join(root, 'test', 'browser', 'page.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile: path.join(outDir, 'page.js'),
    inject: [path.join(root, 'test', 'browser', 'shims.ts')],
    mainFields: ['browser', 'module', 'main'],
    // Only reached when process.getBuiltinModule is missing, which the shims provide.
    external: ['node:worker_threads'],
    sourcemap: 'inline',
    logLevel: 'warning',
    plugins: [
      // The facade's loader of the addon, for the page's.
      {
        name: 'native',
        setup(build) {
          build.onResolve({ filter: /^\.\/native$/ }, (args) =>
            args.importer.startsWith(path.join(root, 'ts', 'src')) ? { path: path.join(root, 'test', 'browser', 'native.ts') } : undefined,
          );
          build.onResolve({ filter: /^\.\.\/\.\.\/ts\/src\/native$/ }, () => ({ path: path.join(root, 'test', 'browser', 'native.ts') }));
        },
      },
      alias(/^node:events$/, require.resolve('events/', { paths: [root] })),
    ],
  });
  // napi-rs's browser loader starts its workers from `new URL('./wasi-worker-browser.mjs',
  // import.meta.url)` and fetches `pqwire.wasm32-wasi.wasm` the same way: esbuild leaves
  // both URLs as they are, relative to the bundle, so they are served beside it, and the
  // worker (which imports @napi-rs/wasm-runtime) is bundled on its own.
  await esbuild.build({
    entryPoints: [path.join(PACKAGE_DIR, 'wasi-worker-browser.mjs')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile: path.join(outDir, 'wasi-worker-browser.mjs'),
    mainFields: ['browser', 'module', 'main'],
    logLevel: 'warning',
  });
  fs.copyFileSync(path.join(PACKAGE_DIR, 'pqwire.wasm32-wasi.wasm'), path.join(outDir, 'pqwire.wasm32-wasi.wasm'));
  fs.writeFileSync(
    path.join(outDir, 'index.html'),
    '<!doctype html><meta charset="utf-8"><title>pqwire browser tests</title><script type="module" src="./page.js"></script>\n',
  );
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };

/** Serves `outDir` at / and the vectors at /vectors/, cross-origin isolated. */
function serve(outDir) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const [base, rel] = url.pathname.startsWith('/vectors/') ? [vectorsDir, url.pathname.slice('/vectors/'.length)] : [outDir, url.pathname.slice(1) || 'index.html'];
    const file = path.resolve(base, decodeURIComponent(rel));
    const headers = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cache-Control': 'no-store',
    };
    if (!file.startsWith(base + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, headers).end('not found');
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function main() {
  if (!fs.existsSync(path.join(vectorsDir, 'xwing', 'test-vectors.json'))) fail(`no vectors at ${vectorsDir} (../shared/vectors beside the clone; PQWIRE_VECTORS overrides)`);
  ensureChromium();
  if (!noBuild && !run(process.execPath, [path.join(__dirname, 'build-wasm.js'), '--link'])) fail('the WebAssembly build failed');
  if (!fs.existsSync(path.join(PACKAGE_DIR, 'pqwire.wasm32-wasi.wasm'))) fail('no WebAssembly build in npm/wasm32-wasi/');

  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pqwire-browser-'));
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'pqwire-chromium-'));
  let server;
  let browser;
  try {
    await bundle(outDir);
    server = await serve(outDir);
    const url = `http://127.0.0.1:${server.address().port}/`;
    const { chromium } = require('playwright-core');
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    log(`Chromium ${browser.browser()?.version() ?? '(version unknown)'} at ${url}`);
    const page = browser.pages()[0] || (await browser.newPage());
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') log(`page console: ${m.text()}`);
    });
    await page.goto(url);
    const started = Date.now();
    let done = false;
    while (!done && Date.now() - started < TIMEOUT_MS && pageErrors.length === 0) {
      await new Promise((r) => setTimeout(r, 250));
      done = await page.evaluate(() => window.__pqwireDone === true);
    }
    const results = await page.evaluate(() => window.__pqwireResults || []);
    let passed = 0;
    let failed = 0;
    for (const r of results) {
      log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name} (${Math.round(r.ms)} ms)${r.detail ? `: ${r.detail}` : ''}`);
      if (r.ok) passed++;
      else failed++;
    }
    for (const e of pageErrors) {
      log(`page error: ${e}`);
      failed++;
    }
    if (!done && pageErrors.length === 0) {
      log(`the page did not finish within ${TIMEOUT_MS / 1000} s`);
      failed++;
    }
    if (results.length === 0 && failed === 0) failed = 1;
    console.log(`${passed} passed, ${failed} failed`);
    process.exitCode = failed === 0 ? 0 : 1;
  } finally {
    if (browser) await browser.close();
    if (server) server.close();
    if (!process.env.PQWIRE_BROWSER_KEEP) fs.rmSync(outDir, { recursive: true, force: true });
    else log(`kept ${outDir}`);
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((e) => fail(`error: ${e && e.stack ? e.stack : e}`));
