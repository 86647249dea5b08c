import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { planDispatch, type PendingStep } from './dispatch-plan.js';

function steps(user: string, job: string, n: number): PendingStep[] {
  return Array.from({ length: n }, (_, chunk) => ({ user_id: user, job_id: job, chunk }));
}

const names = (rows: readonly PendingStep[]): string[] => rows.map((r) => `${r.job_id}:${r.chunk}`);

describe('planDispatch', () => {
  test('one account alone gets the capacity minus the reserved slot, never more than the workers can run', () => {
    const pending = [...steps('a', 'j1', 3), ...steps('a', 'j2', 3)];
    assert.deepEqual(
      names(planDispatch({ capacity: 2, reservedSlots: 1, userMax: 8, inFlight: [], pending })),
      ['j1:0'],
    );
    assert.deepEqual(
      names(planDispatch({ capacity: 4, reservedSlots: 1, userMax: 8, inFlight: [], pending })),
      ['j1:0', 'j1:1', 'j1:2'],
    );
    assert.deepEqual(
      names(planDispatch({ capacity: 4, reservedSlots: 0, userMax: 8, inFlight: [], pending })),
      ['j1:0', 'j1:1', 'j1:2', 'j2:0'],
    );
    // Nothing is dispatched while the queue's slots are taken: waiting is the database's job, not the queue's.
    assert.deepEqual(
      planDispatch({
        capacity: 2,
        reservedSlots: 0,
        userMax: 8,
        inFlight: [{ user_id: 'a', job_id: 'j1', n: 2 }],
        pending,
      }),
      [],
    );
  });

  test('with one worker slot there is nothing to reserve: the only slot is used', () => {
    assert.deepEqual(
      names(
        planDispatch({
          capacity: 1,
          reservedSlots: 1,
          userMax: 8,
          inFlight: [],
          pending: steps('a', 'j1', 3),
        }),
      ),
      ['j1:0'],
    );
    assert.deepEqual(
      names(
        planDispatch({
          capacity: 0,
          reservedSlots: 1,
          userMax: 8,
          inFlight: [],
          pending: steps('a', 'j1', 3),
        }),
      ),
      ['j1:0'],
      'no announced worker yet: one step waits for the first',
    );
  });

  test('a second account takes the reserved slot at once; accounts share the slots equally, free ones going to the account with fewer in flight', () => {
    const pending = [...steps('a', 'j1', 5), ...steps('b', 'k1', 2)];
    const inFlight = [{ user_id: 'a', job_id: 'j0', n: 2 }];
    assert.deepEqual(
      names(planDispatch({ capacity: 3, reservedSlots: 1, userMax: 8, inFlight, pending })),
      ['k1:0'],
    );
    // Two accounts share six slots three and three; b has only two steps.
    assert.deepEqual(
      names(planDispatch({ capacity: 6, reservedSlots: 1, userMax: 8, inFlight: [], pending })),
      ['j1:0', 'k1:0', 'j1:1', 'k1:1', 'j1:2'],
    );
    // Slots taken before the second account came are not revoked; the share applies as they free up.
    const a3 = [{ user_id: 'a', job_id: 'j0', n: 3 }];
    assert.deepEqual(
      names(planDispatch({ capacity: 4, reservedSlots: 1, userMax: 8, inFlight: a3, pending })),
      ['k1:0'],
    );
    const a2b1 = [
      { user_id: 'a', job_id: 'j0', n: 2 },
      { user_id: 'b', job_id: 'k0', n: 1 },
    ];
    assert.deepEqual(
      names(planDispatch({ capacity: 4, reservedSlots: 1, userMax: 8, inFlight: a2b1, pending })),
      ['k1:0'],
    );
  });

  test('on a single slot two accounts alternate: the one served least recently goes first', () => {
    const pending = [...steps('a', 'j1', 3), ...steps('b', 'k1', 2)];
    const plan = (lastServed: Map<string, number>) =>
      names(
        planDispatch({
          capacity: 1,
          reservedSlots: 1,
          userMax: 8,
          inFlight: [],
          pending,
          lastServed,
        }),
      );
    assert.deepEqual(plan(new Map()), ['j1:0'], 'nobody served yet: the oldest job');
    assert.deepEqual(plan(new Map([['a', 5]])), ['k1:0'], 'b was never served');
    assert.deepEqual(
      plan(
        new Map([
          ['a', 5],
          ['b', 7],
        ]),
      ),
      ['j1:0'],
    );
  });

  test('the configured per-account bound still applies under a large capacity', () => {
    assert.equal(
      planDispatch({
        capacity: 50,
        reservedSlots: 1,
        userMax: 8,
        inFlight: [],
        pending: steps('a', 'j1', 20),
      }).length,
      8,
    );
  });
});
