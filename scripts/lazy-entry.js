#!/usr/bin/env node
// Runs after `tsc -p ts` (`npm run build:ts`, `prepare`): rewrites the compiled package
// entry, ts/dist/index.js, so that each facade module it re-exports is loaded on the first
// use of one of its exports, not by `require('pqwire')`. A program that only calls ML-KEM
// then never loads the session, channel or negotiation layers (nor `node:net`,
// `node:stream`), which takes start-up from about 15 ms to about 4 (benches/README.md,
// "Cold start").
//
// tsc compiles `export { a, b as c } from './m'` to
//     var m_1 = require("./m");
//     Object.defineProperty(exports, "a", { enumerable: true, get: function () { return m_1.a; } });
//     Object.defineProperty(exports, "c", { enumerable: true, get: function () { return m_1.b; } });
// (after `exports.a = exports.c = void 0;`). This script replaces those lines with a table
// of [() => require("./m"), { a: "a", c: "b" }] and a loop that defines each export as a
// getter requiring its module on first use. Each `require` keeps a literal path, so that
// bundlers and file tracers (esbuild, webpack, @vercel/nft) still find every module.
//
// Node's ESM loader finds a CommonJS module's named exports by reading its source
// (cjs-module-lexer). It would drop names defined by getters of a shape it does not know,
// so the getters are made in a loop it does not read, and a last line, never evaluated,
// lists the names in the form it reads (the one esbuild writes):
//     0 && (module.exports = { a, c });
// Side-effect imports (`import './m'`, compiled to a bare `require("./m");`) stay as they
// are: index.ts uses one to load the native addon at once, so that a missing binary still
// fails `require('pqwire')` itself.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const MARK = '// Modules load on first use (scripts/lazy-entry.js).';
const DECLARATION = /^var (\w+_\d+) = require\("(\.[^"]+)"\);$/;
const VOID_EXPORTS = /^exports\.\w+ = (?:exports\.\w+ = )*void 0;$/;
const EXPORT = /^Object\.defineProperty\(exports, "(\w+)", \{ enumerable: true, get: function \(\) \{ return (\w+_\d+)\.(\w+); \} \}\);$/;

/** Returns the lazy form of the compiled entry `js`; throws if it is not the expected shape. */
function lazyEntry(js) {
  if (js.includes(MARK)) return js;
  const modules = new Map(); // m_1 -> specifier
  const table = {}; // specifier -> { exportName: nameInModule }
  const kept = [];
  for (const line of js.split('\n')) {
    const declaration = DECLARATION.exec(line);
    const reexport = EXPORT.exec(line);
    if (declaration) {
      modules.set(declaration[1], declaration[2]);
      table[declaration[2]] ??= {}; // tsc may require one module twice (m_1, m_2)
    } else if (reexport) {
      const specifier = modules.get(reexport[2]);
      if (specifier === undefined) throw new Error(`${reexport[2]} is used before its require`);
      table[specifier][reexport[1]] = reexport[3];
    } else if (VOID_EXPORTS.test(line)) {
      // tsc's `exports.a = exports.b = void 0;`: the getters below define them.
    } else if (/\b\w+_\d+\b/.test(line) && !line.startsWith(' *')) {
      throw new Error(`a line of unknown shape uses a module: ${line}`);
    } else {
      kept.push(line);
    }
  }
  if (modules.size === 0) throw new Error('no `var m_1 = require("./m");` line found');
  for (const [specifier, names] of Object.entries(table)) {
    if (Object.keys(names).length === 0) throw new Error(`${specifier} is required but nothing is exported from it`);
  }
  const names = Object.values(table).flatMap((n) => Object.keys(n));
  const body = kept.join('\n').replace(/\n+$/, '\n').replace('"use strict";\n', `"use strict";\n${MARK}\n`);
  const rows = Object.entries(table).map(([specifier, n]) => `  [() => require(${JSON.stringify(specifier)}), ${JSON.stringify(n)}],`);
  return `${body}
const LAZY_EXPORTS = [
${rows.join('\n')}
];
for (const [requireModule, names] of LAZY_EXPORTS) {
  let loaded;
  const load = () => (loaded ??= requireModule());
  for (const name in names) {
    const from = names[name];
    Object.defineProperty(exports, name, { enumerable: true, get: () => load()[from] });
  }
}
// The export names, for Node's ESM loader (never evaluated).
0 && (module.exports = { ${names.join(', ')} });
`;
}

function main() {
  const file = path.join(__dirname, '..', 'ts', 'dist', 'index.js');
  fs.writeFileSync(file, lazyEntry(fs.readFileSync(file, 'utf8')));
}

if (require.main === module) main();

module.exports = { lazyEntry };
