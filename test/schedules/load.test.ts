import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closedLoopClients, loadConcurrency, type LoadSpec } from '../../src/schedules/schedule.js';

const poisson = { kind: 'poisson' } as const;

test('closedLoopClients: the clients a closed loop keeps busy; null for an open loop', () => {
  const cases: Array<[LoadSpec, number | null, number | null]> = [
    [{ mode: 'sequential' }, 50, 1],
    [{ mode: 'concurrency', concurrency: 8 }, 50, 8],
    [{ mode: 'batch' }, 50, 50],
    [{ mode: 'batch' }, null, null],
    [{ mode: 'rate', rate: 2, arrival: poisson, concurrency: 4 }, 50, null],
  ];
  assert.deepEqual(cases.map(([l, n]) => closedLoopClients(l, n)), cases.map((c) => c[2]));
});

test('loadConcurrency: the most requests in flight, which sizes pools and engine sequences', () => {
  assert.equal(loadConcurrency({ mode: 'sequential' }, 50), 1);
  assert.equal(loadConcurrency({ mode: 'concurrency', concurrency: 8 }, 50), 8);
  assert.equal(loadConcurrency({ mode: 'batch' }, 50), 50);
  assert.equal(loadConcurrency({ mode: 'batch' }, null), 1);
  assert.equal(loadConcurrency({ mode: 'rate', rate: 2, arrival: poisson, concurrency: 4 }, 50), 4);
  assert.equal(loadConcurrency({ mode: 'rate', rate: 2.5, arrival: poisson, concurrency: null }, 50), 10);
  assert.equal(loadConcurrency({ mode: 'rate', rate: 0.1, arrival: poisson, concurrency: null }, 50), 1);
});
