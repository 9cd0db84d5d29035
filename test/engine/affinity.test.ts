import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { allowedCpus, applyCpuSetting, chooseCpus, formatCpuList, parseCpuList } from '../../src/engine/llama/affinity.js';
import { parseArgs } from '../../src/cli/option.js';
import { ENGINE_OPTIONS } from '../../src/cli/options/engine.js';

test('parseCpuList / formatCpuList: taskset list format', () => {
  assert.deepEqual(parseCpuList('1'), [1]);
  assert.deepEqual(parseCpuList('0-3'), [0, 1, 2, 3]);
  assert.deepEqual(parseCpuList('5,0-2, 4'), [0, 1, 2, 4, 5]);
  assert.deepEqual(parseCpuList('2,2,1'), [1, 2]);
  assert.throws(() => parseCpuList('3-1'), /'3-1' in '3-1' is a descending range/);
  assert.throws(() => parseCpuList('one'), /'one' is not a CPU list \(like 1, 2-3 or 0,2\)/);
  assert.throws(() => parseCpuList(''), /is not a CPU list/);
  assert.equal(formatCpuList([0, 1, 2, 5]), '0-2,5');
  assert.equal(formatCpuList([3]), '3');
  assert.equal(formatCpuList([1, 3, 4]), '1,3-4');
});

test('chooseCpus: auto takes the last `threads` CPUs and leaves the first to llmbench', () => {
  assert.deepEqual(chooseCpus('auto', 1, [0, 1]), { cpus: [1], note: null });
  assert.deepEqual(chooseCpus('auto', 3, [0, 1, 2, 3, 4, 5, 6, 7]), { cpus: [5, 6, 7], note: null });
  assert.deepEqual(chooseCpus('auto', 2, [0, 1]), { cpus: null, note: '2 compute threads on 2 allowed CPUs: none left for llmbench itself; not pinned' });
  assert.deepEqual(chooseCpus('auto', 1, [4]), { cpus: null, note: '1 compute thread on 1 allowed CPU: none left for llmbench itself; not pinned' });
  assert.deepEqual(chooseCpus('auto', 1, null), { cpus: null, note: 'the allowed CPUs could not be read (not Linux?); not pinned' });
  assert.deepEqual(chooseCpus('none', 1, [0, 1]), { cpus: null, note: null });
  assert.deepEqual(chooseCpus([0], 1, [0, 1]), { cpus: [0], note: null });
  assert.deepEqual(chooseCpus([1, 7], 2, [0, 1]), { cpus: null, note: '--engine-cpus 1,7: CPU 7 is not among the CPUs this process may use (0-1); not pinned' });
});

test('--engine-cpus: auto, none or a CPU list; anything else is a usage problem', () => {
  assert.equal(parseArgs([], ENGINE_OPTIONS).args.values.engineCpus, 'auto');
  assert.equal(parseArgs(['--engine-cpus', 'NONE'], ENGINE_OPTIONS).args.values.engineCpus, 'none');
  assert.deepEqual(parseArgs(['--engine-cpus', '2-3'], ENGINE_OPTIONS).args.values.engineCpus, [2, 3]);
  const { problems } = parseArgs(['--engine-cpus', 'fast'], ENGINE_OPTIONS);
  assert.equal(problems.length, 1);
  assert.match(problems[0]!.message, /'fast' is not a CPU list \(like 1, 2-3 or 0,2\); or auto, or none/);
});

test('applyCpuSetting pins every thread of a live process (Linux with taskset)', { skip: allowedCpus() === null || allowedCpus()!.length < 2 ? 'needs Linux and 2+ CPUs' : false }, async () => {
  const child = spawn(process.execPath, ['-e', 'console.log("up"); setTimeout(() => {}, 20000)'], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    // Pinned once it runs: by then node has started its V8 platform threads.
    await new Promise((ok) => child.stdout!.once('data', ok));
    const last = allowedCpus()!.at(-1)!;
    assert.deepEqual(applyCpuSetting('auto', 1, child.pid!), { engine_cpus: String(last), engine_cpus_note: null });
    // Every thread node started (V8 platform workers, libuv) carries the affinity, not only the main one.
    const tasks = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    assert.match(tasks, new RegExp(`^Cpus_allowed_list:\\s*${last}$`, 'm'));
    const tids = readdirSync(`/proc/${child.pid}/task`);
    assert.ok(tids.length > 1, 'node runs several threads');
    for (const tid of tids) assert.match(readFileSync(`/proc/${child.pid}/task/${tid}/status`, 'utf8'), new RegExp(`^Cpus_allowed_list:\\s*${last}$`, 'm'));
    assert.deepEqual(applyCpuSetting('none', 1, child.pid!), { engine_cpus: null, engine_cpus_note: null });
  } finally {
    child.kill();
  }
});
