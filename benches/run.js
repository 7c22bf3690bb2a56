#!/usr/bin/env node
// `npm run bench`: pqwire beside other libraries in one run, with ratios.
//
// This is the first cut (issue "Benchmarks" grows it): ML-KEM and ML-DSA from JavaScript,
// pqwire against @noble/post-quantum (a dev dependency, never a dependency of the package).
//   npm run bench                 full run
//   npm run bench:quick           about a tenth of the time per case
//   npm run bench -- --filter 768 only cases whose name contains "768"
'use strict';

const os = require('node:os');
const pqwire = require('..');

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const filterAt = args.indexOf('--filter');
const filter = filterAt >= 0 ? args[filterAt + 1] : null;
const budgetMs = quick ? 150 : 1000;
const repeats = quick ? 3 : 5;

/** Operations per second of `fn`, median and spread over `repeats` timed windows. */
function measure(fn) {
  for (let i = 0; i < 10; i++) fn();
  const rates = [];
  for (let r = 0; r < repeats; r++) {
    let n = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0n;
    while (elapsed < BigInt(budgetMs * 1e6) / BigInt(repeats)) {
      fn();
      n++;
      elapsed = process.hrtime.bigint() - start;
    }
    rates.push((n * 1e9) / Number(elapsed));
  }
  rates.sort((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)];
  const spread = (rates[rates.length - 1] - rates[0]) / median;
  return { median, spread };
}

function peers() {
  const list = [];
  try {
    const noble = require('@noble/post-quantum/ml-kem.js');
    const nobleDsa = require('@noble/post-quantum/ml-dsa.js');
    list.push({ name: '@noble/post-quantum', kem: noble, dsa: nobleDsa });
  } catch {
    console.log('(@noble/post-quantum not installed: run npm install for the comparison)');
  }
  return list;
}

function cases() {
  const out = [];
  const msg = new Uint8Array(1024).fill(7);
  for (const [name, pq, nobleName] of [
    ['ML-KEM-512', pqwire.mlKem512, 'ml_kem512'],
    ['ML-KEM-768', pqwire.mlKem768, 'ml_kem768'],
    ['ML-KEM-1024', pqwire.mlKem1024, 'ml_kem1024'],
  ]) {
    const k = pq.keygen();
    const enc = pq.encapsulate(k.publicKey);
    out.push({
      name: `${name} keygen`,
      pqwire: () => pq.keygen(),
      peer: (p) => () => p.kem[nobleName].keygen(),
    });
    out.push({
      name: `${name} encapsulate`,
      pqwire: () => pq.encapsulate(k.publicKey),
      peer: (p) => () => p.kem[nobleName].encapsulate(k.publicKey),
    });
    out.push({
      name: `${name} decapsulate`,
      pqwire: () => pq.decapsulate(enc.cipherText, k.secretKey),
      peer: (p) => () => p.kem[nobleName].decapsulate(enc.cipherText, k.secretKey),
    });
  }
  for (const [name, pq, nobleName] of [['ML-DSA-65', pqwire.mlDsa65, 'ml_dsa65']]) {
    const k = pq.keygen();
    const s = pq.sign(msg, k.secretKey);
    out.push({
      name: `${name} sign 1 KiB`,
      pqwire: () => pq.sign(msg, k.secretKey),
      peer: (p) => () => p.dsa[nobleName].sign(msg, k.secretKey),
    });
    out.push({
      name: `${name} verify 1 KiB`,
      pqwire: () => pq.verify(s, msg, k.publicKey),
      peer: (p) => () => p.dsa[nobleName].verify(s, msg, k.publicKey),
    });
  }
  return out.filter((c) => !filter || c.name.includes(filter));
}

const fmt = (x) => Math.round(x).toLocaleString('en-US');
console.log(`pqwire bench — ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, Node ${process.version}`);
console.log(`${'operation'.padEnd(26)}${'pqwire ops/s'.padStart(16)}${'peer'.padStart(22)}${'peer ops/s'.padStart(14)}${'ratio'.padStart(8)}`);
const ps = peers();
for (const c of cases()) {
  const mine = measure(c.pqwire);
  const row = `${c.name.padEnd(26)}${`${fmt(mine.median)} ±${Math.round(mine.spread * 100)}%`.padStart(16)}`;
  if (ps.length === 0) console.log(row);
  for (const p of ps) {
    const theirs = measure(c.peer(p));
    console.log(`${row}${p.name.padStart(22)}${fmt(theirs.median).padStart(14)}${`${(mine.median / theirs.median).toFixed(1)}x`.padStart(8)}`);
  }
}
