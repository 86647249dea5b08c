import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { corpusFile, requireCorpus } from '@docat/testing';
import { pageTreeCount } from './page-tree-count.js';

function reader(bytes: Buffer) {
  const log: [number, number][] = [];
  return {
    log,
    read: async (start: number, end: number) => {
      log.push([start, end]);
      return bytes.subarray(start, end + 1);
    },
  };
}

/** A PDF with a classic xref table, objects laid out by hand; `count` is what its page tree claims. */
function classicPdf(count: number | string, extra = ''): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [3 0 R] /Count ${count} >>`,
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] (a string with ) inside\\) and /Names) >>',
  ];
  let body = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) body += `${String(o).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R ${extra}>>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

const corpus = requireCorpus(
  'tracemonkey.pdf',
  'TAMReview.pdf',
  'prefilled_f1040.pdf',
  'issue19971.pdf',
  'korean-report-4p.pdf',
  'truncated-TAMReview.pdf',
  'not-a-pdf.pdf',
);

describe('page count from the page tree', () => {
  test('classic xref table: the /Count of the root; a small file is read once, whole', async () => {
    const pdf = classicPdf(1);
    const { read, log } = reader(pdf);
    assert.equal(await pageTreeCount(read, pdf.length), 1);
    assert.deepEqual(log, [[0, pdf.length - 1]]);
  });

  test(
    'corpus files of every xref kind agree with poppler (classic, streams, hybrid, incremental updates)',
    { skip: corpus.skip },
    async () => {
      const expected: Record<string, number> = {
        'tracemonkey.pdf': 14,
        'TAMReview.pdf': 23,
        'prefilled_f1040.pdf': 2,
        'issue19971.pdf': 6,
        'korean-report-4p.pdf': 4,
      };
      for (const [name, pages] of Object.entries(expected)) {
        const bytes = readFileSync(corpusFile(name));
        const { read, log } = reader(bytes);
        assert.equal(await pageTreeCount(read, bytes.length), pages, name);
        const readBytes = log.reduce((a, [s, e]) => a + e - s + 1, 0);
        assert.ok(
          readBytes <= 384 * 1024 && log.length <= 24,
          `${name}: ${log.length} reads, ${readBytes} bytes`,
        );
        assert.ok(
          log.every(([start, end], i) => log.slice(0, i).every(([s, e]) => start < s || end > e)),
          `${name}: no range is fetched again inside one already fetched`,
        );
      }
      // The tail read brings tracemonkey's xref table and its catalog and page tree along.
      const tracemonkey = readFileSync(corpusFile('tracemonkey.pdf'));
      const { read, log } = reader(tracemonkey);
      assert.equal(await pageTreeCount(read, tracemonkey.length), 14);
      assert.equal(log.length, 1, 'one round trip to storage');
    },
  );

  test(
    'what it cannot read cheaply is null, never a guess: no trailer, not a PDF, a lying count, a /Prev loop, tiny bounds',
    { skip: corpus.skip },
    async () => {
      for (const name of ['truncated-TAMReview.pdf', 'not-a-pdf.pdf']) {
        const bytes = readFileSync(corpusFile(name));
        assert.equal(await pageTreeCount(reader(bytes).read, bytes.length), null, name);
      }
      for (const count of ['-1', '99999999999', '3.5', '(text)']) {
        const pdf = classicPdf(count);
        assert.equal(await pageTreeCount(reader(pdf).read, pdf.length), null, `count ${count}`);
      }
      const loop = classicPdf(1);
      const xrefAt = Number(/startxref\n(\d+)/.exec(loop.toString('latin1'))![1]);
      const looped = classicPdf(1, `/Prev ${xrefAt} `);
      assert.equal(
        await pageTreeCount(reader(looped).read, looped.length),
        1,
        'a /Prev to itself is read once',
      );
      const big = readFileSync(corpusFile('TAMReview.pdf'));
      assert.equal(await pageTreeCount(reader(big).read, big.length, { maxReads: 2 }), null);
      assert.equal(await pageTreeCount(reader(Buffer.alloc(10)).read, 10), null);
    },
  );
});
