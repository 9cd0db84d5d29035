/**
 * The library API as a user meets it: `import { runBenchmark } from 'llmbench'` in a separate node process, the
 * package resolved by name through package.json `exports` to the built dist/ (with its .d.ts types), run against
 * a scripted server. dist/ is built by `npx tsc -p tsconfig.build.json` (CI: `npm ci` runs it as `prepare`); a
 * missing or stale build fails here with that instruction, it is not skipped.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { tempDir } from '../support/cli.js';

const root = resolve(import.meta.dirname, '../..');
const BUILD = 'build it first: npx tsc -p tsconfig.build.json (npm ci runs it through the prepare script)';

function newestMtime(dir: string): number {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    t = Math.max(t, st.isDirectory() ? newestMtime(p) : name.endsWith('.ts') ? st.mtimeMs : 0);
  }
  return t;
}

/** A folder whose node_modules/llmbench is this checkout, as after `npm install llmbench`. */
function consumer(): string {
  const dir = tempDir('llmbench-consumer-');
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules', 'llmbench'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  return dir;
}

const servers: ScriptedServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

test('the package is built: dist/index.js and its types exist and are newer than src/', () => {
  const js = join(root, 'dist', 'index.js');
  assert.ok(existsSync(js), `dist/index.js is missing: ${BUILD}`);
  assert.ok(existsSync(join(root, 'dist', 'index.d.ts')), `dist/index.d.ts is missing: ${BUILD}`);
  assert.ok(statSync(js).mtimeMs >= newestMtime(join(root, 'src')) - 1000, `dist/ is older than src/: ${BUILD}`);
});

test("import { runBenchmark } from 'llmbench' in a child process runs a benchmark and returns results.json", async () => {
  assert.ok(existsSync(join(root, 'dist', 'index.js')), `dist/index.js is missing: ${BUILD}`);
  const s = await startScriptedServer({ itlMs: 1 }, { tokenize: true });
  servers.push(s);
  const dir = consumer();
  const out = join(dir, 'results');
  writeFileSync(
    join(dir, 'bench.mjs'),
    `import { runBenchmark, UsageError, EXIT_CODES } from 'llmbench';
const config = { target: ${JSON.stringify(s.url)}, workload: { inputTokens: [12], outputTokens: [4] }, load: { concurrency: [1, 2], requests: 2 }, output: { out: 'results', name: 'lib' } };
const lines = [];
const { result, dir } = await runBenchmark(config, { cwd: ${JSON.stringify(dir)}, log: (l) => lines.push(l) });
let usage = null;
try {
  await runBenchmark({ load: { requests: 0, batch: true, concurrency: [2] } });
} catch (e) {
  usage = { isUsage: e instanceof UsageError, exit: e.exitCode, usageCode: EXIT_CODES.usage, message: e.message };
}
console.log(JSON.stringify({ dir, ids: result.scenarios.map((x) => x.id), ok: result.scenarios.map((x) => x.summary.requests_ok), input: result.scenarios.map((x) => x.metrics.input_tokens.mean), config: result.config, logged: lines.some((l) => l.startsWith('results: ')), usage }));
`,
  );
  // Asynchronously: the scripted server answers from this process's event loop.
  const r = await promisify(execFile)(process.execPath, ['bench.mjs'], { cwd: dir, encoding: 'utf8', timeout: 120_000 }).catch((e: { stderr?: string; message: string }) => assert.fail(`the child failed: ${e.stderr ?? e.message}`));
  const got = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.equal(got.dir.startsWith(out), true, got.dir);
  assert.ok(existsSync(join(got.dir, 'results.json')));
  assert.ok(existsSync(join(got.dir, 'requests.jsonl')));
  assert.deepEqual(got.ids, ['in12_out4_c1', 'in12_out4_c2']);
  assert.deepEqual(got.ok, [2, 2]);
  assert.deepEqual(got.input, [12, 12]);
  // results.json records the RunConfig as given.
  assert.deepEqual(got.config, { target: s.url, workload: { inputTokens: [12], outputTokens: [4] }, load: { concurrency: [1, 2], requests: 2 }, output: { out: 'results', name: 'lib' } });
  assert.equal(got.logged, true);
  // A bad config is a typed UsageError (exit code 2) naming every problem, before anything is sent.
  assert.equal(got.usage.isUsage, true);
  assert.equal(got.usage.exit, 2);
  assert.equal(got.usage.usageCode, 2);
  assert.match(got.usage.message, /--batch: cannot be combined with --concurrency or --rate/);
  assert.match(got.usage.message, /--requests: 0 is not a whole number ≥ 1/);
});

test("the package's types: a TypeScript consumer type-checks against 'llmbench' and a wrong field is an error", () => {
  assert.ok(existsSync(join(root, 'dist', 'index.d.ts')), `dist/index.d.ts is missing: ${BUILD}`);
  const dir = consumer();
  const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: [] }, include: ['*.ts'] }));
  writeFileSync(
    join(dir, 'ok.ts'),
    `import { runBenchmark, type RunConfig, type RunResult } from 'llmbench';
const config: RunConfig = { target: 'http://127.0.0.1:8000', workload: { inputTokens: [128, '100-300'] }, load: { concurrency: [1, 8] } };
export const run: Promise<{ result: RunResult; dir: string }> = runBenchmark(config);
`,
  );
  execFileSync(process.execPath, [tsc, '-p', '.'], { cwd: dir, encoding: 'utf8' });
  writeFileSync(join(dir, 'bad.ts'), `import { type RunConfig } from 'llmbench';\nexport const c: RunConfig = { load: { concurrency: 8 } };\n`);
  const r = spawnSync(process.execPath, [tsc, '-p', '.'], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 2, r.stdout);
  assert.match(r.stdout, /bad\.ts\(2,[0-9]+\): error TS2322: Type 'number' is not assignable to type 'number\[\]'/);
});
