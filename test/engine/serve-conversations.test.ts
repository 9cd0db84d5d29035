// The prefix-cache effect by turn on the real engine: `llmbench run --synthetic-conversations` against
// `llmbench serve` (stories260K). With prefix reuse (serve's default, as llama.cpp's server) turn k+1 reuses the
// KV cells of everything turn k's prompt held; with --no-prefix-cache nothing is reused. Asserted on the token
// counts the server reports (usage.prompt_tokens_details.cached_tokens), never on wall time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServe } from '../../src/engine/serve/server.js';
import { runCli, tempDir } from '../support/cli.js';
import { type RequestRecord } from '../../src/core/record.js';
import { type RunResult } from '../../src/core/result.js';
import { STORIES } from './helpers.js';

async function conversationRun(prefixCache: boolean): Promise<{ records: RequestRecord[]; result: RunResult; metrics: string }> {
  const srv = await startServe({ modelPath: STORIES, port: 0, parallel: 2, threads: 1, contextSize: 512, prefixCache });
  try {
    const out = tempDir();
    const r = await runCli(['run', '--target', srv.url, '--api', 'completions', '--synthetic-conversations', '2', '--turns-per-session', '3', '--turn-input-tokens', '12', '--turn-output-tokens', '10', '--concurrency', '2', '--temperature', '0', '--metrics-url', 'none', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    const dir = join(out, readdirSync(out)[0]!);
    const metrics = await (await fetch(`${srv.url}/metrics`)).text();
    return {
      records: readFileSync(join(dir, 'requests.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as RequestRecord),
      result: JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as RunResult,
      metrics,
    };
  } finally {
    await srv.close();
  }
}

test('serve prefix reuse: turn k+1 of a session reuses every token of turn k\'s prompt; off, nothing', async () => {
  const on = await conversationRun(true);
  assert.equal(on.records.length, 6);
  const bySession = new Map<string, RequestRecord[]>();
  for (const r of on.records) bySession.set(r.session_id!, [...(bySession.get(r.session_id!) ?? []), r]);
  assert.equal(bySession.size, 2);
  for (const turns of bySession.values()) {
    turns.sort((a, b) => a.turn! - b.turn!);
    assert.deepEqual(turns.map((t) => [t.turn, t.status, t.output_tokens]), [[1, 'ok', 10], [2, 'ok', 10], [3, 'ok', 10]]);
    // Turn 1 is cold: BOS + 12 new tokens, nothing reused (both sessions' first turns start at once, on the two
    // fresh sequences).
    assert.deepEqual([turns[0]!.input_tokens, turns[0]!.cached_tokens], [13, 0]);
    // Turn k+1's prompt is turn k's prompt, a blank line, the answer (re-tokenized from its text) and the new
    // message: exactly turn k's prompt tokens are reused (the answer's tokens, re-tokenized after the blank line,
    // differ from the sampled ones from the first on), and the prompt grew by more than the 12 new tokens.
    for (const k of [1, 2]) {
      assert.equal(turns[k]!.cached_tokens, turns[k - 1]!.input_tokens, `turn ${k + 1}`);
      assert.ok(turns[k]!.input_tokens! > turns[k - 1]!.input_tokens! + 12);
    }
  }
  const byTurn = on.result.scenarios[0]!.by_turn as Array<{ turn: number; cached_fraction: number; cached_tokens: { n: number } }>;
  assert.deepEqual(byTurn.map((t) => [t.turn, t.cached_tokens.n]), [[1, 2], [2, 2], [3, 2]]);
  assert.equal(byTurn[0]!.cached_fraction, 0);
  assert.ok(byTurn[2]!.cached_fraction > 0.5, JSON.stringify(byTurn.map((t) => t.cached_fraction)));
  const cachedTotal = on.records.reduce((s, r) => s + r.cached_tokens!, 0);
  assert.match(on.metrics, new RegExp(`^llmbench:prompt_tokens_cached_total\\{model_name="stories260K"\\} ${cachedTotal}$`, 'm'));

  const off = await conversationRun(false);
  assert.deepEqual(off.records.map((r) => r.cached_tokens), [0, 0, 0, 0, 0, 0]);
  // The same prompts, token for token (greedy answers, same seed): only the reuse differs.
  const key = (r: RequestRecord) => `${r.session_id}/${r.turn}:${r.input_tokens}`;
  assert.deepEqual(off.records.map(key).sort(), on.records.map(key).sort());
});
