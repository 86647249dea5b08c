import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import {
  corpusFile,
  currentE2ETarget,
  repoRoot,
  requireAll,
  requireCorpus,
  requireTools,
  useCluster,
  type ClusterLease,
} from '@docat/testing';
import { DocatApi } from './docat-api.js';

const run = promisify(execFile);

/**
 * The same documents, options and engine through `docat translate` and through a job of
 * the standalone server: the text outputs are byte-identical and the PDFs read the same
 * under pdftotext. The outputs carry no volatile field (no clock, no random id), so
 * nothing is masked. Page selections keep the cost down and cut two of the documents
 * into several chunks (CHUNK_PAGES is 4 in the test targets), so the server assembles
 * what the CLI makes in one piece.
 */
const DOCUMENTS: { file: string; pages?: string; scope?: Record<string, string> }[] = [
  { file: join(repoRoot(), 'examples', 'sample.pdf') },
  { file: corpusFile('tracemonkey.pdf'), pages: '3-7' },
  // The first page has a text layer, page 18 is OCR'd and opens the bibliography: kept as it is here.
  {
    file: corpusFile('TAMReview.pdf'),
    pages: '1,18',
    scope: { translateReferences: 'false', translateHeadersFooters: 'false' },
  },
  { file: corpusFile('prefilled_f1040.pdf') },
];
const FORMATS = ['md', 'txt', 'json', 'pdf', 'dual'] as const;
const CLI_FLAGS: Record<string, string> = {
  translateReferences: '--no-references',
  translateHeadersFooters: '--no-headers-footers',
  translateTables: '--no-tables',
};

const req = requireAll(
  requireCorpus('tracemonkey.pdf', 'TAMReview.pdf', 'prefilled_f1040.pdf'),
  requireTools('pdftotext'),
);
// One standalone server for every document; the cluster tier has its own pipeline tests.
const skip =
  req.skip ||
  (currentE2ETarget() === 'standalone'
    ? false
    : 'runs in the e2e-standalone tier, against one standalone server');

/** Equal, or a failure that shows where the two first differ (not two whole documents). */
function assertSame(a: string, b: string, what: string): void {
  if (a === b) return;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  const at = (s: string) => JSON.stringify(s.slice(Math.max(0, i - 300), i + 300));
  assert.fail(
    `${what} differ at character ${i} of ${a.length}/${b.length}:\n CLI: ${at(a)}\n job: ${at(b)}`,
  );
}

async function pdfText(bytes: Uint8Array, dir: string, name: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  const { stdout } = await run('pdftotext', ['-layout', path, '-'], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

function docat(args: string[], dataDir: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(repoRoot(), 'packages', 'cli', 'dist', 'main.js'), ...args],
      {
        // The server's engine settings: none, so both sides run pseudo by their own rule.
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? tmpdir(),
          DOCAT_CLI_DATA_DIR: dataDir,
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

describe('the CLI and a server job give the same outputs', { skip }, () => {
  let lease: ClusterLease;
  let api: DocatApi;
  let work: string;
  const jobs = new Map<string, string>();

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'docat-parity-'));
    lease = await useCluster();
    api = new DocatApi(lease.cluster.gateways);
    await api.registerFresh();
    // Every upload first, so the server works while the CLI runs.
    for (const doc of DOCUMENTS) {
      const upload = await api.uploadFile(doc.file, {
        targetLanguage: 'de',
        engine: 'pseudo',
        outputs: FORMATS.join(','),
        dualMode: 'side',
        useMemory: 'false',
        noCache: 'true',
        ...(doc.pages ? { pages: doc.pages } : {}),
        ...doc.scope,
      });
      assert.equal(upload.status, 202, JSON.stringify(upload.body));
      jobs.set(doc.file, upload.body.id);
    }
  });
  after(async () => {
    await lease?.release();
    if (work) await rm(work, { recursive: true, force: true });
  });

  for (const doc of DOCUMENTS) {
    const name = basename(doc.file, '.pdf');
    test(`${name}${doc.pages ? ` pages ${doc.pages}` : ''}: md, txt and json identical, PDFs text-identical`, async () => {
      const started = Date.now();
      const out = join(work, name);
      const flags = Object.entries(doc.scope ?? {})
        .filter(([, v]) => v === 'false')
        .map(([k]) => CLI_FLAGS[k]!);
      const cli = await docat(
        [
          'translate',
          doc.file,
          '--to',
          'de',
          '--engine',
          'pseudo',
          '--format',
          FORMATS.join(','),
          '--dual-mode',
          'side',
          '--no-memory',
          '--out',
          out,
          ...(doc.pages ? ['--pages', doc.pages] : []),
          ...flags,
        ],
        join(work, 'cli-data'),
      );
      assert.equal(cli.code, 0, cli.stderr);
      const cliDone = Date.now();

      const id = jobs.get(doc.file)!;
      const job = await api.waitFinished(id, 300_000);
      assert.equal(job.state, 'completed', JSON.stringify(job.error));
      console.log(
        `parity ${name}: CLI ${cliDone - started} ms, then the job ${Date.now() - cliDone} ms more`,
      );

      for (const format of FORMATS) {
        const res = await fetch(
          `${lease.cluster.gateways[0]}/v1/jobs/${id}/result?format=${format}`,
          { headers: { authorization: `Bearer ${api.token}` } },
        );
        assert.equal(res.status, 200, `${format}: ${await res.clone().text()}`);
        const served = new Uint8Array(await res.arrayBuffer());
        const local = new Uint8Array(
          await readFile(join(out, `${name}.de.${format === 'dual' ? 'dual.pdf' : format}`)),
        );
        if (format === 'pdf' || format === 'dual') {
          const [a, b] = await Promise.all([
            pdfText(local, out, `cli.${format}.pdf`),
            pdfText(served, out, `job.${format}.pdf`),
          ]);
          assert.ok(a.trim().length > 0, `${format}: the PDF has text`);
          assertSame(a, b, `${format}: pdftotext of the CLI's and the job's PDF`);
        } else {
          const a = new TextDecoder().decode(local);
          const b = new TextDecoder().decode(served);
          assert.ok(a.length > 0);
          assertSame(a, b, `${format}: the CLI's and the job's output`);
        }
      }
    });
  }
});
