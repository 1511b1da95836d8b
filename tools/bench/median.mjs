#!/usr/bin/env node
// The median table of several suite runs (README.md here: "Final table").
//
//   node tools/bench/median.mjs run1.txt run2.txt run3.txt
//
// Each file is what `node tools/bench/suite.mjs ...` printed. A row is one
// (scenario, figure, server); every number in its measured cell is the
// median of that number over the runs that have the row, each number on
// its own (so "p50 / p99" is the median p50 over the median p99, not one
// run's pair). Rows missing from some run, or whose cells differ in words,
// say so and list every run's cell. Every row also lists the runs' cells,
// so that the spread stays visible.

import { readFileSync } from 'node:fs';

const files = process.argv.slice(2);
if (files.length < 2) {
  console.error('usage: node tools/bench/median.mjs run1.txt run2.txt [...]');
  process.exit(2);
}

const number = /-?\d+(?:,\d{3})*(?:\.\d+)?/g;
const parse = (s) => Number(s.replace(/,/g, ''));
const decimals = (s) => (s.includes('.') ? s.length - s.indexOf('.') - 1 : 0);
const show = (v, d) =>
  v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

function median(values) {
  const v = [...values].sort((a, b) => a - b);
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/// key → {cells: [measured per run], target, order}
const rows = new Map();
files.forEach((file, run) => {
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const cols = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cols.length !== 5 || cols[0] === 'scenario' || cols[0].startsWith('---')) continue;
    const [scenario, figure, server, measured, target] = cols;
    // A figure's own numbers (the rate a latency step ran at) vary by run.
    const key = `${scenario}|${figure.replace(number, '#')}|${server}`;
    if (!rows.has(key)) rows.set(key, { scenario, server, target, figures: [], cells: [] });
    rows.get(key).figures[run] = figure;
    rows.get(key).cells[run] = measured;
  }
});

console.log(`median of ${files.length} runs: ${files.join(', ')}`);
console.log('| scenario | figure | server | median (runs) | target |');
console.log('|---|---|---|---|---|');
const shape = (c) => c.replace(number, '#');
/// The cell with every number the median of that number over `cells`, or
/// null when the cells differ in words.
function medianCell(cells) {
  if (new Set(cells.map(shape)).size !== 1) return null;
  let k = 0;
  const columns = cells.map((c) => c.match(number) ?? []);
  return cells[0].replace(number, (s) => {
    const m = median(columns.map((col) => parse(col[k])));
    k += 1;
    return show(m, decimals(s));
  });
}
for (const r of rows.values()) {
  const cells = r.cells.filter((c) => c !== undefined);
  const figures = r.figures.filter((c) => c !== undefined);
  const figure = medianCell(figures) ?? figures[0];
  const m = cells.length === files.length ? medianCell(cells) : null;
  const out = m !== null
    ? `${m} (${cells.join(' ; ')})`
    : cells.join(' ; ') + (cells.length < files.length ? ` (${cells.length} of ${files.length} runs)` : '');
  console.log(`| ${r.scenario} | ${figure} | ${r.server} | ${out} | ${r.target} |`);
}
