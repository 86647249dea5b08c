import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTsv } from './native-tesseract.adapter.js';
import { looksTurned } from './ocr-adapter.js';

const tsv = [
  'level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext',
  '1\t1\t0\t0\t0\t0\t0\t0\t1700\t2200\t-1\t',
  '4\t1\t1\t1\t1\t0\t100\t200\t400\t30\t-1\t',
  '5\t1\t1\t1\t1\t1\t100\t200\t120\t30\t96.5\tTrace-based',
  '5\t1\t1\t1\t1\t2\t230\t200\t70\t30\t95\tJust-in-Time',
  '5\t1\t1\t1\t2\t1\t100\t240\t90\t28\t91\tType',
  '5\t1\t1\t1\t2\t2\t200\t240\t10\t28\t30\t ',
].join('\n');

test('tesseract TSV: words grouped into lines, empty words dropped', () => {
  const lines = parseTsv(tsv);
  assert.deepEqual(
    lines.map((l) => l.words.map((w) => w.text)),
    [['Trace-based', 'Just-in-Time'], ['Type']],
  );
  assert.deepEqual(lines[0]!.words[0], {
    text: 'Trace-based',
    x0: 100,
    y0: 200,
    x1: 220,
    y1: 230,
    confidence: 96.5,
  });
});

test('a reading looks turned when its words stand upright or its confidence is low', () => {
  const word = (text: string, w: number, h: number, confidence = 90) => ({
    text,
    x0: 0,
    y0: 0,
    x1: w,
    y1: h,
    confidence,
  });
  const upright = [
    { words: ['alpha', 'beta', 'gamma', 'delta', 'epsilon'].map((t) => word(t, 80, 20)) },
  ];
  assert.equal(looksTurned(upright), false);
  assert.equal(
    looksTurned([
      { words: ['alpha', 'beta', 'gamma', 'delta', 'epsilon'].map((t) => word(t, 20, 80)) },
    ]),
    true,
  );
  assert.equal(looksTurned([{ words: ['alpha', 'beta'].map((t) => word(t, 80, 20, 30)) }]), true);
  assert.equal(looksTurned([]), true);
});
