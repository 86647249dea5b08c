import { popplerPages, runningHeads, proseToken } from './dist/fidelity/poppler-coverage.test-support.js';
const [src, out, pg] = process.argv.slice(2);
const s = popplerPages(src), o = popplerPages(out);
const heads = runningHeads(s);
const p = Number(pg) - 1;
const pool = new Map();
for (const l of o[p].lines) for (const w of l.words) { const t = proseToken(w.text); if (t) pool.set(t, (pool.get(t) ?? 0) + 1); }
const left = [];
for (const l of s[p].lines) { if (heads.has(l)) continue; for (const w of l.words) { const t = proseToken(w.text); if (!t) continue; const n = pool.get(t) ?? 0; if (n > 0) { left.push(t); pool.set(t, n - 1); } } }
console.log(left.join(' '));
