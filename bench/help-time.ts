/**
 * How long `llmbench --help` (and `llmbench run --help`) take from a cold process: the built CLI (dist/, what
 * users run after `npm ci`) and the TypeScript sources through tsx (a checkout without dist/). Commands load
 * their engine, charts and database only when they run, so help should not pay for them (issue 11: < 300 ms).
 *
 *   npx tsc -p tsconfig.build.json && node --import tsx bench/help-time.ts [--runs 15] [--other DIR]
 *
 * --other DIR times a second checkout (e.g. an older commit, built) interleaved with this one, so both see the
 * same machine load. Reports min and median wall time per variant; `node -e 0` is the floor.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const argv = process.argv.slice(2);
const runs = Number(argv[argv.indexOf('--runs') + 1]) || 15;
const other = argv.includes('--other') ? resolve(argv[argv.indexOf('--other') + 1]!) : null;
const here = resolve(import.meta.dirname, '..');

// CPU time (user + system, from GNU time) barely moves with machine load, unlike wall time: both are reported.
const gnuTime = existsSync('/usr/bin/time');

function time(args: string[], cwd: string): { wall: number; cpu: number | null } {
  const t0 = performance.now();
  const r = gnuTime
    ? spawnSync('/usr/bin/time', ['-f', 'CPU %U %S', process.execPath, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' })
    : spawnSync(process.execPath, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const wall = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${args.join(' ')} in ${cwd}: exit ${r.status}: ${r.stderr}`);
  const m = /CPU ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return { wall, cpu: m ? (Number(m[1]) + Number(m[2])) * 1000 : null };
}

const variants: Array<[string, string[], string]> = [['node -e 0', ['-e', '0'], here]];
for (const [label, root] of [['this checkout', here], ...(other ? [['other', other]] : [])] as Array<[string, string]>) {
  if (!existsSync(join(root, 'dist', 'cli', 'bin.js'))) throw new Error(`${root}: no dist/; build it with npx tsc -p tsconfig.build.json`);
  variants.push([`${label}: dist --help`, [join(root, 'dist', 'cli', 'bin.js'), '--help'], root]);
  variants.push([`${label}: dist run --help`, [join(root, 'dist', 'cli', 'bin.js'), 'run', '--help'], root]);
  variants.push([`${label}: tsx --help`, ['--import', 'tsx', join(root, 'src', 'cli', 'bin.ts'), '--help'], root]);
}

const samples = new Map<string, Array<{ wall: number; cpu: number | null }>>(variants.map(([l]) => [l, []]));
for (let i = 0; i < runs; i++) for (const [label, args, cwd] of variants) samples.get(label)!.push(time(args, cwd));
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [label, xs] of samples) {
  const wall = xs.map((x) => x.wall);
  const cpu = xs.map((x) => x.cpu).filter((x): x is number => x !== null);
  const cpuText = cpu.length ? `   CPU median ${median(cpu).toFixed(0).padStart(5)} ms` : '';
  console.log(`${label.padEnd(32)} wall min ${Math.min(...wall).toFixed(0).padStart(5)} ms   median ${median(wall).toFixed(0).padStart(5)} ms${cpuText}   (n=${xs.length})`);
}
