// The ML-KEM chart, a Vega-Lite specification rendered to SVG by Vega without a browser:
// one panel per operation (keygen, encapsulate, decapsulate), a group of bars per parameter
// set, one bar per library (pqwire's sync API and the peers; its variants are in the
// tables), ops/s on a log scale (native and JavaScript libraries differ by orders of
// magnitude), each bar labelled with its value.
'use strict';

const SETS = ['ML-KEM-512', 'ML-KEM-768', 'ML-KEM-1024'];
const OPS = ['keygen', 'encapsulate', 'decapsulate'];
const COLORS = ['#1f5fbf', '#7fa7e0', '#d9822b', '#3a9e5c', '#9b59b6', '#c0392b', '#7f8c8d', '#16a085'];

/** One row per bar: { op, set, lib, opsPerSec }, and the libraries in the order met. */
function rows(data) {
  const out = [];
  const libs = [];
  for (const c of data.cases || []) {
    if (c.family !== 'ML-KEM' || !OPS.includes(c.op) || !SETS.includes(c.suite)) continue;
    for (const r of c.results) {
      if (r.error || !(r.opsPerSec > 0) || (r.lib !== 'pqwire' && r.lib.startsWith('pqwire '))) continue; // pqwire's sync API and the peers
      if (!libs.includes(r.lib)) libs.push(r.lib);
      out.push({ op: c.op, set: c.suite, lib: r.lib, opsPerSec: r.opsPerSec });
    }
  }
  return { values: out, libs };
}

/** The Vega-Lite specification of the chart, or null when no ML-KEM case was measured. */
function mlKemSpec(data) {
  const { values, libs } = rows(data);
  if (values.length === 0) return null;
  const m = data.machine;
  // Whole decades, with room above the tallest bar for its label.
  const all = values.map((v) => v.opsPerSec);
  const lo = Math.floor(Math.log10(Math.min(...all)));
  const hi = Math.ceil(Math.log10(Math.max(...all)) + 0.15);
  const decades = Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i));
  const x = { field: 'set', type: 'nominal', sort: SETS, title: null, axis: { labelAngle: 0 } };
  const xOffset = { field: 'lib', type: 'nominal', sort: libs, scale: { paddingInner: 0.15 } };
  const y = {
    field: 'opsPerSec',
    type: 'quantitative',
    title: 'operations per second',
    scale: { type: 'log', domain: [decades[0], decades[decades.length - 1]], nice: false },
    stack: null, // side by side (xOffset): a log scale has no zero to stack from
    axis: { values: decades, format: '~s', grid: true },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: 'ML-KEM from Node.js: operations per second (log scale, higher is better)',
      subtitle: `${data.date} · ${m.cpu.model} · ${m.cpu.cores} cores · Node ${m.node} · ${data.mode} run`,
      fontSize: 17,
      subtitleFontSize: 12,
      subtitleColor: '#555',
      anchor: 'middle',
    },
    data: { values },
    facet: { column: { field: 'op', type: 'nominal', sort: OPS, title: null, header: { labelFontSize: 13, labelFontWeight: 'bold' } } },
    spec: {
      width: 300,
      height: 300,
      layer: [
        {
          mark: 'bar',
          encoding: {
            x,
            xOffset,
            y,
            color: { field: 'lib', type: 'nominal', sort: libs, title: null, scale: { range: COLORS }, legend: { orient: 'bottom', columns: 4, labelLimit: 240 } },
            tooltip: [
              { field: 'lib', title: 'library' },
              { field: 'set', title: 'parameter set' },
              { field: 'op', title: 'operation' },
              { field: 'opsPerSec', title: 'ops/s', format: ',.0f' },
            ],
          },
        },
        {
          mark: { type: 'text', angle: 270, align: 'left', baseline: 'middle', dx: 4, fontSize: 9, color: '#333' },
          encoding: { x, xOffset, y, text: { field: 'opsPerSec', type: 'quantitative', format: '.3~s' } },
        },
      ],
    },
    config: { font: 'Helvetica, Arial, sans-serif', background: '#ffffff', view: { stroke: null } },
  };
}

/** An SVG string (Vega's headless renderer), or null when no ML-KEM case was measured. */
async function mlKemChart(data) {
  const spec = mlKemSpec(data);
  if (!spec) return null;
  // The benches' own dependencies (benches/package.json), loaded only when a chart is drawn.
  const vega = require('vega');
  const vegaLite = require('vega-lite');
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return `${svg}\n`;
}

module.exports = { mlKemChart, mlKemSpec };
