// The ML-KEM chart, written by hand: one panel per operation (keygen, encapsulate,
// decapsulate), a group of bars per parameter set, one bar per library (pqwire's sync API
// and the peers; its variants are in the tables), ops/s on a log scale (native and
// JavaScript libraries differ by orders of magnitude).
'use strict';

const SETS = ['ML-KEM-512', 'ML-KEM-768', 'ML-KEM-1024'];
const OPS = ['keygen', 'encapsulate', 'decapsulate'];
const COLORS = ['#1f5fbf', '#7fa7e0', '#d9822b', '#3a9e5c', '#9b59b6', '#c0392b', '#7f8c8d', '#16a085'];

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** 1234 -> "1.23k", 1234567 -> "1.23M". */
function short(x) {
  for (const [div, unit] of [[1e6, 'M'], [1e3, 'k']]) if (x >= div) return `${Number((x / div).toPrecision(3))}${unit}`;
  return `${Number(x.toPrecision(3))}`;
}

/** An SVG string, or null when no ML-KEM case was measured. */
function mlKemChart(data) {
  const value = {}; // value[op][set][lib] = ops/s
  const libs = [];
  for (const c of data.cases) {
    if (c.family !== 'ML-KEM') continue;
    for (const r of c.results) {
      if (r.error || (r.lib !== 'pqwire' && r.lib.startsWith('pqwire '))) continue; // pqwire's sync API and the peers
      if (!libs.includes(r.lib)) libs.push(r.lib);
      ((value[c.op] ||= {})[c.suite] ||= {})[r.lib] = r.opsPerSec;
    }
  }
  const all = Object.values(value).flatMap((bySet) => Object.values(bySet).flatMap(Object.values));
  if (all.length === 0) return null;

  const lo = 10 ** Math.floor(Math.log10(Math.min(...all)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...all)) + 0.15);
  const W = 1080;
  const panelW = 330;
  const left = 70;
  const top = 70;
  const plotH = 300;
  const legendRows = Math.ceil(libs.length / 4);
  const H = top + plotH + 50 + legendRows * 22 + 20;
  const y = (v) => top + plotH - (Math.log10(v / lo) / Math.log10(hi / lo)) * plotH;
  const groupW = (panelW - 20) / SETS.length;
  const barW = Math.min(16, (groupW - 12) / Math.max(libs.length, 1));

  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="17" font-weight="bold">ML-KEM from Node.js: operations per second (log scale, higher is better)</text>`);
  const m = data.machine;
  out.push(`<text x="${W / 2}" y="44" text-anchor="middle" fill="#555">${esc(`${data.date} · ${m.cpu.model} · ${m.cpu.cores} cores · Node ${m.node} · ${data.mode} run`)}</text>`);

  out.push(`<text x="18" y="${top + plotH / 2}" text-anchor="middle" fill="#555" transform="rotate(-90 18 ${top + plotH / 2})">operations per second</text>`);
  OPS.forEach((op, p) => {
    const x0 = left + p * (panelW + 10);
    // Decade grid lines, labelled on the first panel.
    for (let v = lo; v <= hi * 1.0001; v *= 10) {
      out.push(`<line x1="${x0}" x2="${x0 + panelW - 10}" y1="${y(v)}" y2="${y(v)}" stroke="#e3e3e3"/>`);
      if (p === 0) out.push(`<text x="${x0 - 6}" y="${y(v) + 4}" text-anchor="end" fill="#555">${short(v)}</text>`);
    }
    out.push(`<line x1="${x0}" x2="${x0 + panelW - 10}" y1="${top + plotH}" y2="${top + plotH}" stroke="#888"/>`);
    out.push(`<text x="${x0 + (panelW - 10) / 2}" y="${top - 8}" text-anchor="middle" font-weight="bold">${op}</text>`);
    SETS.forEach((set, g) => {
      const gx = x0 + 6 + g * groupW;
      const barsW = barW * libs.length;
      out.push(`<text x="${gx + groupW / 2}" y="${top + plotH + 18}" text-anchor="middle">${set}</text>`);
      libs.forEach((lib, i) => {
        const v = value[op] && value[op][set] && value[op][set][lib];
        if (!v) return;
        const bx = gx + (groupW - barsW) / 2 + i * barW;
        const by = y(v);
        out.push(`<rect x="${bx.toFixed(1)}" y="${by.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(top + plotH - by).toFixed(1)}" fill="${COLORS[i % COLORS.length]}"><title>${esc(`${lib} ${set} ${op}: ${Math.round(v).toLocaleString('en-US')} ops/s`)}</title></rect>`);
        const lx = bx + (barW - 2) / 2 + 3;
        out.push(`<text x="${lx.toFixed(1)}" y="${(by - 4).toFixed(1)}" font-size="9" fill="#333" transform="rotate(-90 ${lx.toFixed(1)} ${(by - 4).toFixed(1)})">${short(v)}</text>`);
      });
    });
  });

  const ly = top + plotH + 44;
  libs.forEach((lib, i) => {
    const lx = left + (i % 4) * 250;
    const row = ly + Math.floor(i / 4) * 22;
    out.push(`<rect x="${lx}" y="${row - 11}" width="14" height="14" fill="${COLORS[i % COLORS.length]}"/>`);
    out.push(`<text x="${lx + 20}" y="${row}">${esc(lib)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

module.exports = { mlKemChart };
