import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryTranslationMemory } from './in-memory.memory.js';
import { exportTmx, importTmx, parseTmx } from './tmx.js';
import { memoryEntry, memoryKey, type MemoryContext } from './translation-memory.js';

const context: MemoryContext = {
  accountId: 'acc',
  engine: 'deepl',
  model: 'deepl-v2',
  source: 'en',
  target: 'de',
  formality: 'more',
  glossaryVersion: 'g1',
};

describe('TMX', () => {
  test('round trip: export, correct a translation, import overwrites that entry only', async () => {
    const memory = new InMemoryTranslationMemory();
    await memory.putMany([
      memoryEntry(
        context,
        'Revenue rose ⟦0⟧ & more <b>.',
        'Der Umsatz stieg ⟦0⟧ & mehr <b>.',
        'gl-1',
      ),
      memoryEntry(context, 'Good morning.', 'Guten Morgen.'),
    ]);
    const xml = await exportTmx(memory, 'acc');
    assert.match(xml, /<tmx version="1\.4">/u);
    assert.match(xml, /&amp; more &lt;b&gt;/u);
    const corrected = xml.replace('Guten Morgen.', 'Guten Morgen!');
    const other = new InMemoryTranslationMemory();
    assert.deepEqual(await importTmx(other, corrected, { accountId: 'acc' }), {
      imported: 2,
      skipped: 0,
    });
    const got = await other.getMany([
      memoryKey(context, 'Good morning.'),
      memoryKey(context, 'Revenue rose ⟦0⟧ & more <b>.'),
    ]);
    assert.equal(got.get(memoryKey(context, 'Good morning.'))!.targetText, 'Guten Morgen!');
    const first = got.get(memoryKey(context, 'Revenue rose ⟦0⟧ & more <b>.'))!;
    assert.equal(first.targetText, 'Der Umsatz stieg ⟦0⟧ & mehr <b>.');
    assert.equal(first.glossaryId, 'gl-1');
  });

  test('imports into the caller account, whatever the file says', async () => {
    const memory = new InMemoryTranslationMemory();
    await memory.putMany([memoryEntry(context, 'Hello.', 'Hallo.')]);
    const xml = await exportTmx(memory, 'acc');
    const { entries } = parseTmx(xml, { accountId: 'intruder' });
    assert.equal(entries[0]!.accountId, 'intruder');
    assert.notEqual(entries[0]!.key, memoryKey(context, 'Hello.'));
  });

  test('reads TMX from other tools with defaults and inline elements', () => {
    const xml = `<?xml version="1.0"?><tmx version="1.4"><header srclang="en-US" adminlang="en" segtype="sentence" datatype="plaintext" o-tmf="x" creationtool="x" creationtoolversion="1"/><body>
      <tu><tuv xml:lang="en-US"><seg>Press <ph x="1">&lt;b&gt;</ph>OK.</seg></tuv><tuv xml:lang="de-DE"><seg>Drücken Sie OK.</seg></tuv></tu>
      <tu><tuv xml:lang="en-US"><seg>Only source.</seg></tuv></tu></body></tmx>`;
    const { entries, skipped } = parseTmx(xml, {
      accountId: 'acc',
      defaults: { engine: 'openai', model: 'm' },
    });
    assert.equal(skipped, 1);
    assert.equal(entries[0]!.sourceText, 'Press OK.');
    assert.equal(entries[0]!.target, 'de');
  });
});
