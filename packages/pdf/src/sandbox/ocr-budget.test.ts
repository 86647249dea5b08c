import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OcrBudget, type Release } from './ocr-budget.js';

/** Grants recorded in order, with each one's release. */
function recorder(budget: OcrBudget) {
  const granted: { name: string; release: Release }[] = [];
  const ask = (group: object, name: string) =>
    budget.request(group, (release) => granted.push({ name, release }));
  return { granted, ask, names: () => granted.map((g) => g.name) };
}

test('no more OCR runs at once than cores, whoever asks', () => {
  const budget = new OcrBudget(2);
  const { ask, names } = recorder(budget);
  const a = {};
  for (let i = 0; i < 5; i++) ask(a, `a${i}`);
  assert.deepEqual(names(), ['a0', 'a1']);
  assert.equal(budget.running, 2);
});

test('a freed run goes to the extraction with the fewest runs going, not to the oldest request', () => {
  const budget = new OcrBudget(2);
  const { ask, granted, names } = recorder(budget);
  const batch = {};
  const small = {};
  for (let i = 0; i < 4; i++) ask(batch, `batch${i}`);
  ask(small, 'small0');
  ask(small, 'small1');
  assert.deepEqual(names(), ['batch0', 'batch1']);
  granted[0]!.release();
  // batch has one going, small none: small goes first although batch2 asked earlier.
  assert.deepEqual(names(), ['batch0', 'batch1', 'small0']);
  granted[1]!.release();
  // One each now; on a tie the earlier request wins.
  assert.deepEqual(names(), ['batch0', 'batch1', 'small0', 'batch2']);
  assert.equal(budget.peak, 2);
});

test('while other work runs in the process, OCR leaves it a core', () => {
  const budget = new OcrBudget(2);
  const { ask, granted, names } = recorder(budget);
  const ocrWork = budget.enter();
  const batch = {};
  for (let i = 0; i < 4; i++) ask(batch, `b${i}`);
  assert.deepEqual(names(), ['b0', 'b1'], 'alone, the extraction uses both cores');
  const other = budget.enter();
  assert.equal(budget.limit, 1);
  granted[0]!.release();
  assert.deepEqual(names(), ['b0', 'b1'], 'a run already going is not stopped, none is added');
  granted[1]!.release();
  assert.deepEqual(names(), ['b0', 'b1', 'b2']);
  other();
  other(); // leaving twice counts once
  assert.equal(budget.limit, 2);
  assert.deepEqual(names(), ['b0', 'b1', 'b2', 'b3']);
  ocrWork();
});

test('one core: OCR keeps its one run whatever else runs', () => {
  const budget = new OcrBudget(1);
  const { ask, names } = recorder(budget);
  budget.enter();
  budget.enter();
  ask({}, 'x');
  assert.deepEqual(names(), ['x']);
});

test('a release counts once, and a withdrawn request is never granted', () => {
  const budget = new OcrBudget(1);
  const { ask, granted, names } = recorder(budget);
  const g = {};
  ask(g, 'first');
  const withdraw = ask(g, 'withdrawn');
  ask(g, 'third');
  withdraw();
  granted[0]!.release();
  granted[0]!.release();
  assert.deepEqual(names(), ['first', 'third']);
  assert.equal(budget.running, 1);
});

test('a smaller budget applies as runs end', () => {
  const budget = new OcrBudget(3);
  const { ask, granted, names } = recorder(budget);
  const g = {};
  for (let i = 0; i < 4; i++) ask(g, `r${i}`);
  budget.resize(1);
  granted[0]!.release();
  granted[1]!.release();
  assert.deepEqual(names(), ['r0', 'r1', 'r2']);
  granted[2]!.release();
  assert.deepEqual(names(), ['r0', 'r1', 'r2', 'r3']);
});
