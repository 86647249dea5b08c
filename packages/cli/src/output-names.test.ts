import { mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractOutputPath, outputPath } from './output-names.js';
import { cliDataDir } from './data-dir.js';

test('output files are named <name>.<lang>.<ext> beside the input or in --out', () => {
  assert.equal(outputPath('/docs/report.pdf', 'de', 'pdf'), '/docs/report.de.pdf');
  assert.equal(outputPath('/docs/report.pdf', 'de', 'dual'), '/docs/report.de.dual.pdf');
  assert.equal(
    outputPath('/docs/report.PDF', 'zh-Hant', 'md', '/tmp/out'),
    '/tmp/out/report.zh-Hant.md',
  );
});

test('docat extract --out writes <name>.<format> into a folder, and a file path as given', () => {
  const dir = mkdtempSync(join(tmpdir(), 'docat-out-'));
  try {
    assert.equal(extractOutputPath('/docs/report.pdf', dir, 'md'), join(dir, 'report.md'));
    assert.equal(
      extractOutputPath('/docs/report.pdf', `${dir}/new/`, 'json'),
      join(dir, 'new', 'report.json'),
    );
    assert.equal(
      extractOutputPath('/docs/report.pdf', join(dir, 'text.txt'), 'txt'),
      join(dir, 'text.txt'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the CLI data folder is the flag, then DOCAT_CLI_DATA_DIR, then the XDG data home', () => {
  assert.equal(cliDataDir('/x', { DOCAT_CLI_DATA_DIR: '/y' }), '/x');
  assert.equal(
    cliDataDir(undefined, { DOCAT_CLI_DATA_DIR: '/y', DOCAT_DATA_DIR: '/server' }),
    '/y',
  );
  assert.equal(cliDataDir(undefined, { XDG_DATA_HOME: '/xdg' }), '/xdg/docat');
  // Without those: root keeps system state in /var/lib/docat, where the embedded
  // PostgreSQL's own user can reach it; anyone else in ~/.local/share/docat.
  const expected =
    process.getuid?.() === 0 ? '/var/lib/docat' : join(homedir(), '.local', 'share', 'docat');
  assert.equal(cliDataDir(undefined, {}), expected);
});
