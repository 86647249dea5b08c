// usage: node render-mem.mjs book.pdf book.json [dual]
import { readFileSync } from 'node:fs';
import { memoryUsage } from 'node:process';
const dist = process.cwd() + '/dist';
const { renderTranslatedPdf } = await import(dist + '/render/render-translated.js');
const { renderDualPdf } = await import(dist + '/render/render-dual.js');
const { FontLibrary } = await import(dist + '/fonts/font-library.js');
const { translateBlocks } = await import(dist + '/render/render-fixtures.test-support.js');
const { pseudoTranslate } = await import('@docat/translate');
const source = new Uint8Array(readFileSync(process.argv[2]));
let layout = JSON.parse(readFileSync(process.argv[3], 'utf8'));
if (layout.document) layout = layout.document;
const pages = layout.pages.map((p) => p.number);
const translations = translateBlocks(layout, pages, (s) => pseudoTranslate(s, 'de'));
let peak = 0;
const timer = setInterval(() => { peak = Math.max(peak, memoryUsage.rss()); }, 50);
const start = memoryUsage.rss();
let t = performance.now(); let cpu = process.cpuUsage();
const translated = await renderTranslatedPdf(source, layout, translations, { targetLanguage: 'de', fonts: new FontLibrary(), onPage: (d) => { if (d % 42 === 0) { const m = memoryUsage(); console.log(`page ${d}: rss ${(m.rss/1e6).toFixed(0)} heap ${(m.heapUsed/1e6).toFixed(0)} ext ${(m.external/1e6).toFixed(0)} ab ${(m.arrayBuffers/1e6).toFixed(0)}`); } } });
const c1 = process.cpuUsage(cpu);
console.log(`translated: ${((performance.now() - t) / 1000).toFixed(1)} s wall, ${((c1.user + c1.system) / 1e6).toFixed(1)} s CPU, RSS start ${(start / 1e6).toFixed(0)} MB peak ${(peak / 1e6).toFixed(0)} MB, heap ${(memoryUsage().heapUsed / 1e6).toFixed(0)} MB, ${translated.bytes.length} bytes`);
if (process.argv[4] === 'dual') {
  peak = 0; t = performance.now(); cpu = process.cpuUsage();
  const dual = await renderDualPdf(source, translated.bytes, { mode: 'side' });
  const c2 = process.cpuUsage(cpu);
  console.log(`dual: ${((performance.now() - t) / 1000).toFixed(1)} s wall, ${((c2.user + c2.system) / 1e6).toFixed(1)} s CPU, peak ${(peak / 1e6).toFixed(0)} MB, ${dual.length} bytes`);
}
clearInterval(timer);
console.log('load', readFileSync('/proc/loadavg', 'utf8').trim());
