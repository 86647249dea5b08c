import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProbeSlots } from './probe-slots.js';

test('no more than the slots run at once, and every waiter runs in turn', async () => {
  const slots = new ProbeSlots(2);
  let running = 0;
  let peak = 0;
  const order: number[] = [];
  await Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      slots.run(async () => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        order.push(i);
        running -= 1;
      }),
    ),
  );
  assert.equal(peak, 2);
  assert.equal(order.length, 6);
  await assert.rejects(
    slots.run(() => Promise.reject(new Error('boom'))),
    /boom/,
  );
  assert.equal(await slots.run(() => Promise.resolve(7)), 7, 'a failed run gives its slot back');
});
