import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { corpusFile, requireCorpus } from '@docat/testing';
import { closeDocument, openDocument, useDirectWorkerPort } from './pdfjs.js';

const req = requireCorpus('tracemonkey.pdf', 'issue19971.pdf');

/** Page content chunks (text layer, operator list) that went through `structuredClone`. */
let clonedChunks = 0;
const realClone = globalThis.structuredClone;
globalThis.structuredClone = ((value: unknown, options?: Parameters<typeof structuredClone>[1]) => {
  const chunk = (value as { chunk?: { items?: unknown; fnArray?: unknown } } | null)?.chunk;
  if (chunk && (chunk.items || chunk.fnArray)) clonedChunks++;
  return realClone(value, options);
}) as typeof structuredClone;

afterEach(() => useDirectWorkerPort(false));

/**
 * Every page's text layer and operator list as JSON (class instances as their fields, an
 * object met twice written twice; comparing the text is much faster than a deep comparison).
 */
async function readAll(file: string): Promise<string[]> {
  const doc = await openDocument(new Uint8Array(readFileSync(file)));
  const pages: string[] = [];
  try {
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const text = await page.getTextContent();
      const ops = await page.getOperatorList();
      // The operator list arrives in chunks: a long page has more than one.
      // Font names hold the document's number in this process (g_d0_f1, g_d1_f1): left out.
      const json = JSON.stringify({ text, fnArray: ops.fnArray, argsArray: ops.argsArray });
      pages.push(json.replace(/g_d\d+_/g, 'g_d_'));
      page.cleanup();
    }
  } finally {
    await closeDocument(doc);
  }
  return pages;
}

test(
  "the direct port passes pdf.js's page content without cloning it, and the same content arrives",
  { skip: req.skip, timeout: 60_000 },
  async () => {
    for (const name of ['tracemonkey.pdf', 'issue19971.pdf']) {
      clonedChunks = 0;
      const cloned = await readAll(corpusFile(name));
      assert.ok(clonedChunks > 0, 'pdf.js clones page content through its own port');
      useDirectWorkerPort();
      clonedChunks = 0;
      const direct = await readAll(corpusFile(name));
      assert.equal(clonedChunks, 0);
      assert.equal(direct.length, cloned.length);
      direct.forEach((page, i) => assert.ok(page === cloned[i], `${name}, page ${i + 1}`));
      useDirectWorkerPort(false);
    }
  },
);
