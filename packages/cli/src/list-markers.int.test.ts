import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '@docat/testing';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'docat-cli-markers-'));
after(() => rmSync(work, { recursive: true, force: true }));

interface Translated {
  document: { pages: { blocks: { id: string; type: string; text: string }[] }[] };
  translation: { blocks: { id: string; text: string }[] };
}

describe('docat translate: list markers and section numbers', () => {
  test("the sample's bullets and section numbers stand outside the pseudo engine's markers", () => {
    const sample = join(repoRoot(), 'examples', 'sample.pdf');
    const run = spawnSync(
      process.execPath,
      [MAIN, 'translate', sample, '--to', 'de', '--engine', 'pseudo'].concat([
        '--format',
        'json',
        '--out',
        work,
        '--no-memory',
        '-q',
      ]),
      { encoding: 'utf8', env: { ...process.env, DOCAT_CLI_DATA_DIR: join(work, 'data') } },
    );
    assert.equal(run.status, 0, run.stderr);
    const out = JSON.parse(readFileSync(join(work, 'sample.de.json'), 'utf8')) as Translated;
    const text = new Map(out.translation.blocks.map((b) => [b.id, b.text]));
    const blocks = out.document.pages.flatMap((p) => p.blocks);
    const items = blocks.filter((b) => b.type === 'list_item');
    assert.equal(items.length, 3);
    for (const item of items) {
      assert.ok(item.text.startsWith('• '), item.text);
      // The pseudo engine encloses what it was sent in ⟪…⟫: the bullet was not sent.
      assert.match(text.get(item.id)!, /^• ⟪[^•⟪⟫]+⟫$/u);
    }
    const heading = blocks.find((b) => b.type === 'heading' && b.text.startsWith('2. '));
    assert.ok(heading, 'the numbered heading is found');
    assert.match(text.get(heading.id)!, /^2\. ⟪[^⟪⟫]+⟫$/u);
  });
});
