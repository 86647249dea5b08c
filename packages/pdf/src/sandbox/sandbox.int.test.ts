import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { DocatError, type ErrorCode } from '@docat/contracts';
import { corpusFile, requireAll, requireCorpus, requireTools } from '@docat/testing';
import { extractInSandbox, probePdf } from './sandbox.js';
import { toPlainText } from '../output/plain-text.js';

async function failsWith(p: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof DocatError, String(err));
    assert.equal(err.code, code, err.message);
    return true;
  });
}

/** A PDF of `count` pages, each saying its number in one line of Helvetica. */
function numberedPages(count: number): Buffer {
  const parts: string[] = ['%PDF-1.7\n'];
  const offsets: number[] = [];
  let length = parts[0]!.length;
  const obj = (n: number, body: string) => {
    offsets[n] = length;
    const text = `${n} 0 obj\n${body}\nendobj\n`;
    parts.push(text);
    length += text.length;
  };
  const kids = Array.from({ length: count }, (_, i) => `${4 + 2 * i} 0 R`).join(' ');
  obj(1, '<< /Type /Catalog /Pages 2 0 R >>');
  obj(2, `<< /Type /Pages /Kids [${kids}] /Count ${count} >>`);
  obj(3, '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  for (let i = 0; i < count; i++) {
    const content = `BT /F1 12 Tf 72 720 Td (This is page ${i + 1} of the book.) Tj ET`;
    obj(
      4 + 2 * i,
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${5 + 2 * i} 0 R >>`,
    );
    obj(5 + 2 * i, `<< /Length ${content.length} >>\nstream\n${content}\nendstream`);
  }
  const size = 4 + 2 * count;
  const xref = length;
  parts.push(`xref\n0 ${size}\n0000000000 65535 f \n`);
  for (let n = 1; n < size; n++) parts.push(`${String(offsets[n]).padStart(10, '0')} 00000 n \n`);
  parts.push(`trailer\n<< /Size ${size} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  return Buffer.from(parts.join(''), 'latin1');
}

/** A one-page PDF whose content stream inflates to `size` zero bytes. */
function deflateBomb(size: number): Buffer {
  const data = deflateSync(Buffer.alloc(size), { level: 9 });
  const parts: Buffer[] = [];
  const offsets: number[] = [];
  let length = 0;
  const add = (b: Buffer | string) => {
    const buf = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
    parts.push(buf);
    length += buf.length;
  };
  add('%PDF-1.7\n');
  const obj = (n: number, body: (Buffer | string)[]) => {
    offsets[n] = length;
    add(`${n} 0 obj\n`);
    for (const b of body) add(b);
    add('\nendobj\n');
  };
  obj(1, ['<< /Type /Catalog /Pages 2 0 R >>']);
  obj(2, ['<< /Type /Pages /Kids [3 0 R] /Count 1 >>']);
  obj(3, ['<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>']);
  obj(4, [`<< /Length ${data.length} /Filter /FlateDecode >>\nstream\n`, data, '\nendstream']);
  const xref = length;
  add(
    `xref\n0 5\n0000000000 65535 f \n${offsets
      .slice(1)
      .map((o) => `${String(o).padStart(10, '0')} 00000 n \n`)
      .join('')}`,
  );
  add(`trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  return Buffer.concat(parts);
}

describe('extractInSandbox', () => {
  const req = requireAll(
    requireCorpus(
      'empty_protected.pdf',
      'bug1020226.pdf',
      'issue15590.pdf',
      'poppler-67295-0.pdf',
      'REDHAT-1531897-0.pdf',
      'issue9418.pdf',
      'truncated-TAMReview.pdf',
      'empty.pdf',
      'not-a-pdf.pdf',
      'print_protection.pdf',
      'tracemonkey.pdf',
      'issue19971.pdf',
      'issue16538.pdf',
      'scanned-tracemonkey-p1-2.pdf',
    ),
    requireTools('qpdf', 'pdfunite'),
  );
  const pid = process.pid;
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'docat-sandbox-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const failing: [string, ErrorCode][] = [
    ['bug1020226.pdf', 'PDF_CORRUPT'],
    ['issue15590.pdf', 'PDF_NO_PAGES'],
    ['REDHAT-1531897-0.pdf', 'PDF_CORRUPT'],
    ['empty.pdf', 'PDF_CORRUPT'],
    ['not-a-pdf.pdf', 'PDF_CORRUPT'],
    ['print_protection.pdf', 'PDF_PASSWORD_REQUIRED'],
  ];
  for (const [name, code] of failing) {
    test(
      `${name} fails with ${code} within 10 s`,
      { skip: req.skip, timeout: 15_000 },
      async () => {
        await failsWith(extractInSandbox(corpusFile(name), {}, { timeoutMs: 10_000 }), code);
        assert.equal(process.pid, pid);
      },
    );
  }

  test(
    'damaged files whose pages survive are recovered',
    { skip: req.skip, timeout: 30_000 },
    async () => {
      // poppler-67295-0: /Count 9999999999 over one real page.
      const fuzzed = await extractInSandbox(
        corpusFile('poppler-67295-0.pdf'),
        {},
        { timeoutMs: 10_000 },
      );
      assert.equal(fuzzed.document.pages.length, 1);
      assert.match(toPlainText(fuzzed.document), /TestString123/);
      // issue9418: broken xref; the page object is found by scanning.
      const broken = await extractInSandbox(corpusFile('issue9418.pdf'), {}, { timeoutMs: 10_000 });
      assert.match(toPlainText(broken.document), /Project/);
      // truncated-TAMReview: cut at 270,000 bytes; the cover page survives, with a warning.
      const truncated = await extractInSandbox(
        corpusFile('truncated-TAMReview.pdf'),
        { ocr: 'off' },
        { timeoutMs: 10_000 },
      );
      assert.ok(truncated.document.pages.length >= 1);
      assert.match(toPlainText(truncated.document), /Working Papers on Information Systems/);
      assert.equal(truncated.warnings[0]?.kind, 'recovered_damage');
      assert.equal(process.pid, pid);
    },
  );

  test('time limit: PDF_TIMEOUT', { skip: req.skip }, async () => {
    await failsWith(
      extractInSandbox(corpusFile('tracemonkey.pdf'), {}, { timeoutMs: 50 }),
      'PDF_TIMEOUT',
    );
  });

  test(
    'a qpdf-encrypted file: locked without its password, opened with it',
    { skip: req.skip, timeout: 30_000 },
    async () => {
      const locked = join(dir, 'locked.pdf');
      execFileSync('qpdf', [
        '--encrypt',
        'sesame',
        'owner-secret',
        '256',
        '--',
        corpusFile('issue16538.pdf'),
        locked,
      ]);
      await failsWith(extractInSandbox(locked), 'PDF_PASSWORD_REQUIRED');
      await failsWith(extractInSandbox(locked, { password: 'wrong' }), 'PDF_PASSWORD_INVALID');
      const opened = await extractInSandbox(locked, { password: 'sesame' });
      assert.match(toPlainText(opened.document), /マーケットモデルは/);
      const probe = await probePdf(locked);
      assert.deepEqual(probe, {
        pageCount: 0,
        encrypted: true,
        passwordRequired: true,
        scannedPages: [],
      });
    },
  );

  test(
    'copying forbidden: PDF_COPY_PROTECTED unless permissions are ignored or the owner password opens it',
    { skip: req.skip, timeout: 30_000 },
    async () => {
      await failsWith(extractInSandbox(corpusFile('empty_protected.pdf')), 'PDF_COPY_PROTECTED');
      const lenient = await extractInSandbox(corpusFile('empty_protected.pdf'), {
        respectPermissions: false,
      });
      assert.equal(lenient.document.pageCount, 1);
      const noCopy = join(dir, 'no-copy.pdf');
      execFileSync('qpdf', [
        '--encrypt',
        'user-pw',
        'owner-pw',
        '256',
        '--extract=n',
        '--',
        corpusFile('issue16538.pdf'),
        noCopy,
      ]);
      await failsWith(extractInSandbox(noCopy, { password: 'user-pw' }), 'PDF_COPY_PROTECTED');
      const asOwner = await extractInSandbox(noCopy, { password: 'owner-pw' });
      assert.match(toPlainText(asOwner.document), /マーケットモデルは/);
      assert.equal(process.pid, pid);
    },
  );

  test(
    'deflate bomb: stopped by the decompression cap, and by the RSS watchdog',
    { skip: req.skip, timeout: 60_000 },
    async () => {
      const bomb = join(dir, 'bomb.pdf');
      writeFileSync(bomb, deflateBomb(600 * 1024 * 1024));
      await failsWith(
        extractInSandbox(bomb, {}, { maxDecompressedBytes: 64 * 1024 * 1024 }),
        'PDF_RESOURCE_LIMIT',
      );
      // One stream past its own bound is refused however small the rest of the file is.
      await failsWith(
        extractInSandbox(bomb, {}, { maxStreamBytes: 64 * 1024 * 1024 }),
        'PDF_RESOURCE_LIMIT',
      );
      // With both caps out of the way pdf.js decodes the stream and the watchdog kills it.
      await failsWith(
        extractInSandbox(
          bomb,
          {},
          { maxDecompressedBytes: 8 * 1024 ** 3, maxStreamBytes: 8 * 1024 ** 3, maxRssMb: 300 },
        ),
        'PDF_RESOURCE_LIMIT',
      );
      assert.equal(process.pid, pid);
    },
  );

  test(
    '300 pages: bounded memory, page cap, probe',
    { skip: req.skip, timeout: 120_000 },
    async () => {
      const big = join(dir, 'big.pdf');
      const parts = [
        ...Array.from({ length: 21 }, () => corpusFile('tracemonkey.pdf')),
        corpusFile('issue19971.pdf'),
      ];
      execFileSync('pdfunite', [...parts, big]);
      await failsWith(extractInSandbox(big, {}, { maxPages: 100 }), 'PDF_TOO_MANY_PAGES');
      let progress = 0;
      const result = await extractInSandbox(big, {
        ocr: 'off',
        onProgress: (done) => (progress = done),
      });
      assert.equal(result.document.pages.length, 300);
      assert.equal(progress, 300);
      // The pages are split over the cores, one child each, every child under its own cap.
      assert.equal(result.children, Math.min(2, availableParallelism()));
      assert.deepEqual(
        result.document.pages.map((p) => p.number),
        Array.from({ length: 300 }, (_, i) => i + 1),
      );
      assert.ok(
        result.peakRssMbPerChild > 0 && result.peakRssMbPerChild < 512,
        `peak RSS per child ${result.peakRssMbPerChild} MB`,
      );
      assert.ok(result.peakRssMb <= result.peakRssMbPerChild * result.children);
      const probe = await probePdf(corpusFile('scanned-tracemonkey-p1-2.pdf'));
      assert.deepEqual(probe, {
        pageCount: 2,
        encrypted: false,
        passwordRequired: false,
        scannedPages: [1, 2],
      });
    },
  );

  test(
    'the children of a split share the pages by how fast they read them',
    { skip: req.skip, timeout: 120_000 },
    async () => {
      // 70 one-line pages, then 70 pages of a paper: halves of very unequal cost.
      const light = join(dir, 'light.pdf');
      writeFileSync(light, numberedPages(70));
      const mixed = join(dir, 'mixed.pdf');
      execFileSync('pdfunite', [
        light,
        ...Array.from({ length: 5 }, () => corpusFile('tracemonkey.pdf')),
        mixed,
      ]);
      const r = await extractInSandbox(
        mixed,
        { ocr: 'off', detail: 'text', documentLevel: false },
        { maxChildren: 2 },
      );
      assert.equal(r.children, 2);
      assert.deepEqual(
        r.document.pages.map((p) => p.number),
        Array.from({ length: 140 }, (_, i) => i + 1),
      );
      assert.match(toPlainText(r.document), /This is page 70 of the book\./);
      // Contiguous halves would give each child 70 pages; the child that finished the light
      // pages went on to take some of the paper's.
      assert.equal(r.pagesPerChild.length, 2);
      assert.equal(r.pagesPerChild[0]! + r.pagesPerChild[1]!, 140);
      assert.ok(r.pagesPerChild[0]! > 70, `pages per child: ${r.pagesPerChild.join(', ')}`);
    },
  );

  test(
    'a child reopening a file given by path reads it again, and refuses it when it changed',
    { skip: req.skip, timeout: 120_000 },
    async () => {
      // 210 pages in one child: the document is reopened after page 128.
      const book = join(dir, 'reopened.pdf');
      writeFileSync(book, numberedPages(210));
      const opts = { ocr: 'off' as const, detail: 'text' as const, documentLevel: false };
      const limits = { maxChildren: 1, maxPages: 1000 };
      const r = await extractInSandbox(book, opts, limits);
      assert.equal(r.document.pages.length, 210);
      for (const n of [1, 128, 129, 150, 210])
        assert.equal(
          toPlainText({ ...r.document, pages: [r.document.pages[n - 1]!] }).trim(),
          `This is page ${n} of the book.`,
        );

      // Changed after the first child checked and opened it: the reopen refuses it.
      const changing = join(dir, 'changing.pdf');
      writeFileSync(changing, numberedPages(210));
      let changed = false;
      await failsWith(
        extractInSandbox(
          changing,
          {
            ...opts,
            onProgress: (done) => {
              if (done >= 5 && !changed) {
                changed = true;
                writeFileSync(changing, numberedPages(211));
              }
            },
          },
          limits,
        ),
        'PDF_CORRUPT',
      );
      assert.ok(changed);
    },
  );

  test(
    'the calling process keeps working after the hostile files',
    { skip: req.skip },
    async () => {
      assert.equal(process.pid, pid);
      const ok = await extractInSandbox(corpusFile('issue16538.pdf'));
      assert.match(toPlainText(ok.document), /リスク中立確率/);
    },
  );
});
