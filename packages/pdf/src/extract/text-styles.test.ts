import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Span } from '@docat/contracts';
import { applyTextStyles, type TextPaint } from './text-styles.js';

type Run = TextPaint['runs'][number];
const shownRun = (color: string): Run => ({ color, mode: 0, alpha: 1, clip: null, fillsBefore: 0 });

/** Paint of a content stream: each piece of text in its run. */
function paint(pieces: [string, Run][]): TextPaint {
  const runs: Run[] = [];
  let chars = '';
  const runOf: number[] = [];
  for (const [text, run] of pieces) {
    runs.push(run);
    for (const c of text.replace(/\s+/gu, '')) {
      chars += c;
      runOf.push(runs.length - 1);
    }
  }
  return { chars, runOf: Uint32Array.from(runOf), runs, fills: [] };
}

function span(text: string, x0 = 0): Span {
  return { text, bbox: [x0, 100, x0 + text.length * 6, 112], font: 'Helvetica', size: 10 };
}

test('a colour change inside one text item cuts it there', () => {
  const out = applyTextStyles(
    [span('See the report online today.')],
    paint([
      ['See the report ', shownRun('#000000')],
      ['online', shownRun('#1a4dcc')],
      [' today.', shownRun('#000000')],
    ]),
    [],
  );
  assert.deepEqual(
    out.map((s) => [s.text, s.color]),
    [
      ['See the report ', '#000000'],
      ['online ', '#1a4dcc'],
      ['today.', '#000000'],
    ],
  );
  assert.ok(out[1]!.bbox[0] > out[0]!.bbox[0] && out[1]!.bbox[2] < out[2]!.bbox[2]);
});

test('right-to-left items, in display order, match their characters reversed', () => {
  const out = applyTextStyles(
    [span('ריבד'), span('זה')],
    paint([
      ['דביר', shownRun('#cc0000')],
      ['הז', shownRun('#000000')],
    ]),
    [],
  );
  assert.deepEqual(
    out.map((s) => s.color),
    ['#cc0000', '#000000'],
  );
});

test('render mode 3 and zero alpha hide; a far-off match of a short word says nothing about visibility', () => {
  const invisible: Run = { ...shownRun('#000000'), mode: 3 };
  const clear: Run = { ...shownRun('#000000'), alpha: 0 };
  assert.equal(
    applyTextStyles([span('Invisible layer')], paint([['Invisible layer', invisible]]), [])[0]!
      .hidden,
    true,
  );
  assert.equal(applyTextStyles([span('Gone')], paint([['Gone', clear]]), [])[0]!.hidden, true);
  const far = paint([
    ['x'.repeat(200), shownRun('#000000')],
    ['Yes', invisible],
  ]);
  const result = applyTextStyles([span('Yes')], far, [])[0]!;
  assert.equal(result.hidden, undefined, 'a short word 200 characters on is not taken as this one');
});

test('white text on white is hidden, on a dark fill around it is shown', () => {
  const white = shownRun('#ffffff');
  assert.equal(
    applyTextStyles([span('White words')], paint([['White words', white]]), [])[0]!.hidden,
    true,
  );
  const onBanner: TextPaint = {
    ...paint([['White words', { ...white, fillsBefore: 1 }]]),
    fills: [{ box: [0, 90, 300, 120], color: '#222233' }],
  };
  assert.equal(applyTextStyles([span('White words')], onBanner, [])[0]!.hidden, undefined);
});
