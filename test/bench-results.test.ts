/**
 * bench/results/ holds the performance figures README.md cites as data: each file says what, when, where and with
 * which command, the index lists every file, and the README's client table is the recorded one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = join(import.meta.dirname, '..', 'bench', 'results');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

test('bench/results: every record has what, date, machine and command, and the index lists it', () => {
  assert.ok(files.length >= 5, files.join(', '));
  const index = readFileSync(join(DIR, 'README.md'), 'utf8');
  for (const f of files) {
    const r = JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Record<string, unknown>;
    assert.equal(typeof r.what, 'string', f);
    assert.match(String(r.date), /^\d{4}-\d{2}-\d{2}$/, f);
    assert.equal(typeof (r.machine as { description?: unknown }).description, 'string', f);
    assert.match(String(r.command), /^node --import tsx bench\/[a-z-]+\.ts/, f);
    assert.ok(index.includes(`(${f})`), `${f} is not listed in bench/results/README.md`);
  }
});

test('README: the client-overhead table is the one recorded in bench/results/client-overhead.json', () => {
  const rec = JSON.parse(readFileSync(join(DIR, 'client-overhead.json'), 'utf8')) as { throughput: Array<{ concurrent_streams: number; streamed_tokens_per_s: number; requests_per_s: number; cpu_per_token_us: number; tokens_per_cpu_second: number }> };
  const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
  const rows = [...readme.matchAll(/^\| (\d+) \| ([\d,]+) \| (\d+) \| ([\d.]+) µs \| ([\d,]+) \|$/gm)].map((m) => m.slice(1).map((x) => Number(x.replace(/,/g, ''))));
  assert.deepEqual(rows, rec.throughput.map((t) => [t.concurrent_streams, t.streamed_tokens_per_s, t.requests_per_s, t.cpu_per_token_us, t.tokens_per_cpu_second]));
});
