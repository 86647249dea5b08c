import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { corpusFile, requireCorpus } from '@docat/testing';
import { patchTextTransform, TEXT_TRANSFORM_SOURCE } from './text-transform-patch.js';

const req = requireCorpus('tracemonkey.pdf', 'standard_fonts.pdf', 'korean-report-4p.pdf');
const require = createRequire(import.meta.url);
const pdfjsRoot = dirname(require.resolve('pdfjs-dist/package.json'));

test('the patch finds its statement once in both builds of the installed pdf.js', () => {
  for (const file of ['pdf.worker.mjs', 'pdf.worker.min.mjs']) {
    const source = readFileSync(join(pdfjsRoot, 'legacy/build', file), 'utf8');
    const out = patchTextTransform(source);
    assert.ok(out, `${file}: getCurrentTextTransform's last statement not found once`);
    assert.equal(out.match(/return docatTextTransform\(/g)?.length, 1, file);
    assert.equal(out.match(/^function docatTextTransform\(/gm)?.length, 1, file);
    // Nothing else changed: the source is the original with the one statement and the function.
    assert.equal(out.split('\n').length, source.split('\n').length + 2, file);
  }
  assert.equal(patchTextTransform('const x = 1;'), undefined);
});

test('the fused product gives the same numbers as two Util.transform calls, to the bit', async () => {
  const { Util } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const fused = new Function(`${TEXT_TRANSFORM_SOURCE}; return docatTextTransform;`)() as (
    c: ArrayLike<number>,
    m: ArrayLike<number>,
    t: ArrayLike<number>,
    out?: number[],
  ) => number[];
  const special = [0, -0, 1, -1, 0.1, 1e-300, 1e300, Infinity, -Infinity, NaN];
  let seed = 7;
  const rnd = () => {
    seed = (seed * 16807) % 2147483647;
    const r = seed / 2147483647;
    return r < 0.2 ? special[Math.floor(r * 50)]! : (r - 0.6) * 10 ** Math.floor(r * 12 - 4);
  };
  for (let i = 0; i < 20_000; i++) {
    const c = Array.from({ length: 6 }, rnd);
    const m = Array.from({ length: 6 }, rnd);
    // pdf.js's text-space matrix: [size * scale, 0, 0, size, 0, rise].
    const t = [rnd(), 0, 0, rnd(), 0, rnd()];
    for (const ctm of [c, new Float32Array(c)]) {
      const want = Util.transform(ctm as number[], Util.transform(m, t));
      const got = fused(ctm, m, t);
      const scratch = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5];
      assert.equal(fused(ctm, m, t, scratch), scratch);
      want.forEach((v, k) => {
        assert.ok(Object.is(got[k], v), `${k}: ${got[k]} against ${v}`);
        assert.ok(Object.is(scratch[k], v), `${k} (into an array): ${scratch[k]} against ${v}`);
      });
    }
  }
});

/** Every page's text layer of the files, read as a sandbox child reads, as JSON lines. */
function readInChild(patched: boolean): string {
  const pdfjsModule = new URL('./pdfjs.js', import.meta.url).href;
  const patchModule = new URL('./text-transform-patch.js', import.meta.url).href;
  const files = ['tracemonkey.pdf', 'standard_fonts.pdf', 'korean-report-4p.pdf'].map(corpusFile);
  const script = `
    import { readFileSync } from 'node:fs';
    const pj = await import(${JSON.stringify(pdfjsModule)});
    if (${patched}) (await import(${JSON.stringify(patchModule)})).usePatchedTextTransform();
    // Registered last, so it sees the worker's source as the patch left it.
    (await import('node:module')).registerHooks({
      load(url, context, next) {
        const out = next(url, context);
        if (url.includes('pdf.worker.min.mjs'))
          process.stdout.write(String(out.source).includes('return docatTextTransform(') ? 'patched\\n' : 'plain\\n');
        return out;
      },
    });
    pj.useMinifiedPdfjs(); pj.useDirectWorkerPort(); pj.useTextOnlyFonts();
    for (const file of ${JSON.stringify(files)}) {
      const doc = await pj.openDocument(new Uint8Array(readFileSync(file)));
      for (let n = 1; n <= doc.numPages; n++) {
        const page = await doc.getPage(n);
        const text = await page.getTextContent();
        process.stdout.write(JSON.stringify(text).replace(/g_d\\d+_/g, 'g_d_') + '\\n');
        page.cleanup();
      }
      await pj.closeDocument(doc);
    }`;
  return execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
}

test(
  'a child with the patch reads the same text layers as one without',
  { skip: req.skip, timeout: 120_000 },
  () => {
    const [plainRun, ...plain] = readInChild(false).split('\n');
    const [patchedRun, ...patched] = readInChild(true).split('\n');
    assert.equal(plainRun, 'plain');
    assert.equal(patchedRun, 'patched');
    assert.ok(plain.length > 20, 'pages read');
    assert.equal(patched.length, plain.length);
    plain.forEach((page, i) => assert.ok(page === patched[i], `page ${i + 1} differs`));
  },
);
