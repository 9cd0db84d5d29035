// Runs every test file with node's test runner through tsx. Node 20's `node --test <dir>` finds no .ts files,
// so the files are listed here explicitly. Pass substrings to run a subset: npm test -- sse metrics
// Ends with a plain "N passed, N failed" line taken from the TAP report, so CI counts the tests.
import { readdirSync, statSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
let files = walk('test').sort();
if (filters.length) files = files.filter((f) => filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const dir = mkdtempSync(join(tmpdir(), 'llmbench-tests-'));
const tap = join(dir, 'report.tap');
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tap}`, ...files],
  { stdio: 'inherit' },
);
try {
  const text = readFileSync(tap, 'utf8');
  const num = (k) => Number((new RegExp(`^# ${k} (\\d+)$`, 'm').exec(text) ?? [])[1] ?? 0);
  console.log(`${num('pass')} passed, ${num('fail') + num('cancelled')} failed, ${num('skipped')} skipped`);
} catch {
  // no TAP file: the runner itself failed; its exit code says so
}
rmSync(dir, { recursive: true, force: true });
process.exit(r.status ?? 1);
