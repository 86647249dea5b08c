import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DocatError } from '@docat/contracts';
import { corpusFile, requireAll, requireCorpus, requireTools } from '@docat/testing';
import { openPdf, savePdf } from '../content/pdf-file.js';
import { pdftotext, withTempDir } from '../content/poppler.test-support.js';

const SOURCE = 'issue16538.pdf';
const req = requireAll(
  requireCorpus(SOURCE, 'issue9972-1.pdf', 'empty_protected.pdf', 'print_protection.pdf'),
  requireTools('qpdf', 'pdftotext'),
);

/** Encrypts a corpus file with qpdf (a test fixture generator only). */
function encrypt(user: string, owner: string, args: string[], general: string[] = []): Uint8Array {
  return withTempDir((dir) => {
    const out = join(dir, 'enc.pdf');
    execFileSync(
      'qpdf',
      [
        '--allow-weak-crypto',
        ...general,
        '--encrypt',
        user,
        owner,
        ...args,
        '--',
        corpusFile(SOURCE),
        out,
      ],
      { stdio: 'ignore' },
    );
    return new Uint8Array(readFileSync(out));
  });
}

function qpdfDecrypt(path: string): Uint8Array {
  return withTempDir((dir) => {
    const out = join(dir, 'dec.pdf');
    execFileSync('qpdf', ['--decrypt', path, out], { stdio: 'ignore' });
    return new Uint8Array(readFileSync(out));
  });
}

async function rejects(work: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(work, (err: unknown) => err instanceof DocatError && err.code === code);
}

const CASES: { label: string; args: string[]; method: string; general?: string[] }[] = [
  { label: 'RC4 40-bit (R2)', args: ['40'], method: 'rc4' },
  { label: 'RC4 128-bit (R3)', args: ['128', '--use-aes=n'], method: 'rc4' },
  { label: 'AES-128 (R4)', args: ['128', '--use-aes=y'], method: 'aes-128' },
  {
    label: 'AES-128 with object streams',
    args: ['128', '--use-aes=y'],
    general: ['--object-streams=generate'],
    method: 'aes-128',
  },
  { label: 'AES-256 (R6)', args: ['256'], method: 'aes-256' },
  {
    label: 'AES-256 with object streams',
    args: ['256'],
    general: ['--object-streams=generate'],
    method: 'aes-256',
  },
];

describe('encrypted files', () => {
  const plainText = req.ok ? pdftotext(new Uint8Array(readFileSync(corpusFile(SOURCE)))) : '';

  for (const c of CASES) {
    test(
      `${c.label}: user and owner passwords open it, output is unencrypted`,
      { skip: req.skip },
      async () => {
        const bytes = encrypt('us3r', '0wner', c.args, c.general);
        if (c.general)
          assert.ok(Buffer.from(bytes).includes('/ObjStm'), 'fixture has object streams');
        const asUser = await openPdf(bytes, { password: 'us3r' });
        assert.equal(asUser.encryption?.method, c.method);
        assert.equal(asUser.encryption?.openedAsOwner, false);
        const out = await savePdf(asUser);
        assert.ok(!Buffer.from(out).includes('/Encrypt'), 'output carries no /Encrypt');
        assert.equal(pdftotext(out), plainText);
        const asOwner = await openPdf(bytes, { password: '0wner' });
        assert.equal(asOwner.encryption?.openedAsOwner, true);
        assert.equal(pdftotext(await savePdf(asOwner)), plainText);
        await rejects(openPdf(bytes, { password: 'wrong' }), 'PDF_PASSWORD_INVALID');
        await rejects(openPdf(bytes), 'PDF_PASSWORD_REQUIRED');
      },
    );
  }

  test(
    'copy-forbidden file: PDF_COPY_PROTECTED unless permissions are not respected or the owner opens it',
    { skip: req.skip },
    async () => {
      const bytes = encrypt('', 'own', ['256', '--extract=n']);
      await rejects(openPdf(bytes), 'PDF_COPY_PROTECTED');
      const lenient = await openPdf(bytes, { respectPermissions: false });
      assert.equal(lenient.encryption?.canCopy, false);
      assert.equal(pdftotext(await savePdf(lenient)), plainText);
      const owner = await openPdf(bytes, { password: 'own' });
      assert.equal(owner.encryption?.openedAsOwner, true);
    },
  );

  test(
    'issue9972-1.pdf (AES-128, empty user password) reads like qpdf --decrypt',
    { skip: req.skip },
    async () => {
      const file = await openPdf(new Uint8Array(readFileSync(corpusFile('issue9972-1.pdf'))));
      assert.equal(file.encryption?.method, 'aes-128');
      const expected = pdftotext(qpdfDecrypt(corpusFile('issue9972-1.pdf')));
      assert.ok(expected.trim().length > 100);
      assert.equal(pdftotext(await savePdf(file)), expected);
    },
  );

  test('empty_protected.pdf (AES-256, copy not permitted)', { skip: req.skip }, async () => {
    const bytes = new Uint8Array(readFileSync(corpusFile('empty_protected.pdf')));
    await rejects(openPdf(bytes), 'PDF_COPY_PROTECTED');
    const file = await openPdf(bytes, { respectPermissions: false });
    assert.equal(file.encryption?.method, 'aes-256');
    assert.equal(file.encryption?.revision, 6);
    const out = await savePdf(file);
    assert.equal(pdftotext(out), pdftotext(qpdfDecrypt(corpusFile('empty_protected.pdf'))));
    // Nothing left encrypted: every string of the Info dictionary reads back as qpdf decrypts it.
    const info = (s: Uint8Array): string =>
      execFileSync('pdfinfo', ['-'], { input: s, encoding: 'utf8' }).replace(
        /^(File size|Encrypted|Optimized|PDF version|Page size|Page rot):.*$/gm,
        '',
      );
    if (requireTools('pdfinfo').ok)
      assert.equal(info(out), info(qpdfDecrypt(corpusFile('empty_protected.pdf'))));
  });

  test('print_protection.pdf needs a password it is not given', { skip: req.skip }, async () => {
    const bytes = new Uint8Array(readFileSync(corpusFile('print_protection.pdf')));
    await rejects(openPdf(bytes), 'PDF_PASSWORD_REQUIRED');
    await rejects(openPdf(bytes, { password: 'not-it' }), 'PDF_PASSWORD_INVALID');
  });
});
