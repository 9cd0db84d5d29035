// Conversation workloads: the streaming reader of a top-level JSON array (written in pieces, read in tiny
// chunks), the ShareGPT / OpenAI-messages forms, and `llmbench run --conversations` / `--synthetic-conversations`
// against a scripted server that logs every prompt: turn k carries the model's real earlier answers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonItems } from '../../src/workloads/conversations/json-stream.js';
import { readConversations } from '../../src/workloads/conversations/read.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { runCli, tempDir } from '../support/cli.js';
import { type RunResult } from '../../src/core/result.js';
import { type RequestRecord } from '../../src/core/record.js';
import { validate } from '../support/json-schema.js';
import { runConfigFromArgv } from '../../src/cli/run-config.js';

const servers: ScriptedServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

async function collect(path: string, chunk: number): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const it of readJsonItems(path, chunk)) out.push(it.value);
  return out;
}

function readRun(out: string): { result: RunResult; records: RequestRecord[] } {
  const dir = join(out, readdirSync(out)[0]!);
  return {
    result: JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as RunResult,
    records: readFileSync(join(dir, 'requests.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as RequestRecord),
  };
}

test('readJsonItems: a top-level array written in pieces, read 1-7 bytes at a time, elements exact', async () => {
  const dir = tempDir();
  const path = join(dir, 'a.json');
  const elements = [
    { id: 'a', conversations: [{ from: 'human', value: 'brackets ] } [ { and, commas' }] },
    { id: 'b', v: 'quote \\" and escaped backslash \\\\', nested: [[1, 2], { x: [3] }] },
    'a string element with ünïcödé and 🎉 emoji',
    42,
    null,
  ];
  const text = ` \n[${elements.map((e) => JSON.stringify(e)).join(' ,\n ')}]\n`;
  // Written in pieces, so no single write holds the whole array.
  writeFileSync(path, '');
  for (let i = 0; i < text.length; i += 5) appendFileSync(path, text.slice(i, i + 5));
  for (const chunk of [1, 2, 3, 7, 1 << 16]) assert.deepEqual(await collect(path, chunk), elements, `chunk ${chunk}`);

  writeFileSync(join(dir, 'e.json'), '[]');
  assert.deepEqual(await collect(join(dir, 'e.json'), 4), []);
  writeFileSync(join(dir, 'l.jsonl'), '{"a":1}\n\n{"a":[2]}\n{"a":3}');
  assert.deepEqual(await collect(join(dir, 'l.jsonl'), 3), [{ a: 1 }, { a: [2] }, { a: 3 }]);
  writeFileSync(join(dir, 'bad.json'), '[{"a":1}, {"a":}, {"a":3}]');
  await assert.rejects(collect(join(dir, 'bad.json'), 4), /array element 2 is not valid JSON/);
  writeFileSync(join(dir, 'cut.json'), '[{"a":1}, {"a":');
  await assert.rejects(collect(join(dir, 'cut.json'), 4), /the array is not closed \(the file ends inside element 2\)/);
  writeFileSync(join(dir, 'badl.jsonl'), '{"a":1}\nnope\n');
  await assert.rejects(collect(join(dir, 'badl.jsonl'), 4), /line 2 is not valid JSON/);
});

test('readConversations: ShareGPT and OpenAI forms, system prompts, joined messages, --turns first, skips', async () => {
  const dir = tempDir();
  const share = join(dir, 's.json');
  writeFileSync(share, JSON.stringify([
    { id: 'c1', conversations: [{ from: 'system', value: 'be kind' }, { from: 'human', value: 'hi' }, { from: 'gpt', value: 'hello there' }, { from: 'human', value: 'more' }, { from: 'human', value: 'please' }, { from: 'gpt', value: 'ok' }] },
    { id: 'c2', conversations: [{ from: 'gpt', value: 'orphan answer' }] },
    { id: 7, conversations: [{ from: 'gpt', value: 'dropped' }, { from: 'human', value: 'q' }] },
  ]));
  const r = await readConversations(share, 'all', null);
  assert.equal(r.format, 'sharegpt');
  assert.equal(r.skipped, 1);
  assert.deepEqual(r.conversations, [
    { id: 'c1', system: 'be kind', turns: [{ user: 'hi', answer: 'hello there' }, { user: 'more\n\nplease', answer: 'ok' }] },
    { id: '7', system: null, turns: [{ user: 'q', answer: null }] },
  ]);
  const first = await readConversations(share, 'first', 1);
  assert.deepEqual(first.conversations, [{ id: 'c1', system: 'be kind', turns: [{ user: 'hi', answer: 'hello there' }] }]);

  const oa = join(dir, 'o.jsonl');
  writeFileSync(oa, `${JSON.stringify({ messages: [{ role: 'user', content: [{ type: 'text', text: 'part' }] }, { role: 'assistant', content: 'ans' }] })}\n`);
  const o = await readConversations(oa, 'all', null);
  assert.equal(o.format, 'openai');
  assert.deepEqual(o.conversations, [{ id: '1', system: null, turns: [{ user: 'part', answer: 'ans' }] }]);

  writeFileSync(join(dir, 'x.jsonl'), '{"messages": []}\n{"text": "no"}\n');
  await assert.rejects(readConversations(join(dir, 'x.jsonl'), 'all', null), (e: { problems: Array<{ message: string }> }) => /entry 2 has neither "conversations" \(ShareGPT\) nor "messages" \(OpenAI\)$/.test(e.problems[0]!.message));
});

test('run --conversations: sessions carry the real earlier answers, recorded answer lengths are forced, by_turn and cache_state', async () => {
  const s = await startScriptedServer({ itlMs: 1, piece: ' tok' }, { tokenize: true });
  servers.push(s);
  const dir = tempDir();
  const file = join(dir, 'share.json');
  // Recorded answers of 3, 5 and 2 words (the scripted tokenizer counts one token per word).
  writeFileSync(file, JSON.stringify([
    { id: 'alpha', conversations: [{ from: 'human', value: 'first question' }, { from: 'gpt', value: 'one two three' }, { from: 'human', value: 'second question' }, { from: 'gpt', value: 'a b c d e' }] },
    { id: 'beta', conversations: [{ from: 'system', value: 'sys' }, { from: 'human', value: 'only question' }, { from: 'gpt', value: 'x y' }] },
  ]));
  const r = await runCli(['run', '--target', s.url, '--conversations', file, '--concurrency', '2', '--think-time', '5ms', '--out', join(dir, 'o')]);
  assert.equal(r.code, 0, r.stderr);
  const { result, records } = readRun(join(dir, 'o'));
  const sc = result.scenarios[0]!;
  assert.equal(sc.id, 'conv_c2');
  const key = (x: RequestRecord) => `${x.session_id}/${x.turn}`;
  assert.deepEqual(records.map(key).sort(), ['alpha/1', 'alpha/2', 'beta/1']);
  const rec = Object.fromEntries(records.map((x) => [key(x), x]));
  assert.equal(rec['alpha/1']!.requested_output_tokens, 3);
  assert.equal(rec['alpha/2']!.requested_output_tokens, 5);
  assert.equal(rec['beta/1']!.requested_output_tokens, 2);
  for (const x of records) {
    assert.equal(x.status, 'ok');
    assert.equal(x.output_tokens, x.requested_output_tokens);
    assert.equal(x.length_forced, true);
  }
  const bodies = s.requests.filter((q) => q.path === '/v1/chat/completions').map((q) => q.body.messages as Array<{ role: string; content: string }>);
  const turn2 = bodies.find((m) => m.length === 3)!;
  // The model's real answer (3 forced tokens of " tok"), not the recorded "one two three".
  assert.deepEqual(turn2, [{ role: 'user', content: 'first question' }, { role: 'assistant', content: ' tok tok tok' }, { role: 'user', content: 'second question' }]);
  assert.ok(bodies.some((m) => JSON.stringify(m) === JSON.stringify([{ role: 'system', content: 'sys' }, { role: 'user', content: 'only question' }])));
  // Turn 2 is sent only after turn 1 ended, plus the think time.
  assert.ok(rec['alpha/2']!.sent_at! >= rec['alpha/1']!.completed_at! + 5);
  const byTurn = sc.by_turn as Array<{ turn: number; requests_total: number; requests_ok: number; output_tokens: { mean: number }; input_tokens: { n: number } }>;
  assert.deepEqual(byTurn.map((t) => [t.turn, t.requests_total, t.requests_ok, t.output_tokens.mean]), [[1, 2, 2, 2.5], [2, 1, 1, 5]]);
  assert.equal((sc.workload as Record<string, unknown>).sessions, 2);
  assert.equal((sc.workload as Record<string, unknown>).turns, 3);
  assert.deepEqual(validate(JSON.parse(readFileSync('docs/results.schema.json', 'utf8')), result), []);
  const requestsSchema = JSON.parse(readFileSync('docs/requests.schema.json', 'utf8'));
  for (const x of records) assert.deepEqual(validate(requestsSchema, x), []);
  const cs = sc.cache_state as Record<string, unknown>;
  assert.deepEqual(cs, { state: 'not_flushable', how: null, why: cs.why, prefix_cache_hits_before: null, prefix_cache_hits_after: null, prefix_cache_queries_before: null, prefix_cache_queries_after: null });
  assert.match(String(cs.why), /no prefix-cache flush endpoint/);

  writeFileSync(join(dir, 'bad.jsonl'), '{"messages": [{"role": "user", "content": "ok"}]}\n{"messages": [oops]}\n');
  const bad = await runCli(['run', '--target', s.url, '--conversations', join(dir, 'bad.jsonl'), '--out', join(dir, 'bad')]);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /bad\.jsonl: line 2 is not valid JSON/);
  assert.equal(s.requests.filter((q) => q.path.includes('completions')).length, bodies.length, 'nothing sent');
  const missing = await runCli(['run', '--target', s.url, '--conversations', join(dir, 'none.json')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /none\.json does not exist/);

  const kept = await runCli(['run', '--target', s.url, '--conversations', file, '--turns', 'first', '--requests', '1', '--output-tokens', '4', '--no-cache-reset', '--out', join(dir, 'k')]);
  assert.equal(kept.code, 0, kept.stderr);
  const k = readRun(join(dir, 'k'));
  assert.deepEqual(k.records.map((x) => [x.session_id, x.turn, x.requested_output_tokens]), [['alpha', 1, 4]]);
  assert.equal((k.result.scenarios[0]!.cache_state as Record<string, unknown>).state, 'kept');
  const capped = await runCli(['run', '--target', s.url, '--conversations', file, '--max-tokens', '4', '--out', join(dir, 'm')]);
  assert.equal(capped.code, 0, capped.stderr);
  assert.deepEqual(readRun(join(dir, 'm')).records.map((x) => `${x.session_id}/${x.turn}:${x.requested_output_tokens}`).sort(), ['alpha/1:3', 'alpha/2:4', 'beta/1:2']);
});

test('run --synthetic-conversations: exact-length turns, history grows by each real answer; --rate starts sessions', async () => {
  const s = await startScriptedServer({ itlMs: 1, piece: ' tok' }, { tokenize: true });
  servers.push(s);
  const dir = tempDir();
  const r = await runCli(['run', '--target', s.url, '--api', 'completions', '--synthetic-conversations', '2', '--turns-per-session', '3', '--turn-input-tokens', '6', '--turn-output-tokens', '4', '--rate', '50', '--think-time', 'exp:5ms', '--out', join(dir, 'o')]);
  assert.equal(r.code, 0, r.stderr);
  const { result, records } = readRun(join(dir, 'o'));
  assert.equal(records.length, 6);
  const prompts = s.requests.filter((q) => q.path === '/v1/completions').map((q) => String(q.body.prompt));
  // Per session, each prompt starts with the previous prompt + its real answer: 6, 6+4+6, 6+4+6+4+6 words.
  const bySession = new Map<string, string[]>();
  for (const p of prompts) {
    const first = p.split('\n\n')[0]!;
    bySession.set(first, [...(bySession.get(first) ?? []), p]);
  }
  assert.equal(bySession.size, 2);
  for (const ps of bySession.values()) {
    assert.deepEqual(ps.map((p) => p.split(/\s+/).filter(Boolean).length), [6, 16, 26]);
    assert.ok(ps[1]!.startsWith(`${ps[0]}\n\n tok tok tok tok\n\n`), ps[1]);
    assert.ok(ps[2]!.startsWith(`${ps[1]}\n\n tok tok tok tok\n\n`), ps[2]);
  }
  assert.equal(result.scenarios[0]!.id, 'conv2_turns3_tin6_tout4_r50');
  const bt = result.scenarios[0]!.by_turn as Array<{ turn: number; input_tokens: { mean: number } }>;
  assert.deepEqual(bt.map((t) => t.turn), [1, 2, 3]);
  assert.deepEqual(records.map((x) => x.output_tokens), [4, 4, 4, 4, 4, 4]);

  const bad = await runCli(['run', '--target', s.url, '--turns', 'all', '--turn-input-tokens', '3', '--think-time', '1s']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--turns.*only applies to --conversations/);
  assert.match(bad.stderr, /--turn-input-tokens.*only applies to --synthetic-conversations/);
  assert.match(bad.stderr, /--think-time.*only applies/);
});

test('conversation flags → RunConfig; combinations refused with the flag named', () => {
  assert.deepEqual(runConfigFromArgv(['--target', 'http://x:1', '--conversations', 'c.json', '--turns', 'first', '--think-time', 'exp:2s', '-c', '4']), {
    target: 'http://x:1',
    workload: { conversations: 'c.json', turns: 'first' },
    load: { concurrency: [4], thinkTime: { kind: 'exp', ms: 2000 } },
  });
  assert.deepEqual(runConfigFromArgv(['--synthetic-conversations', '3', '--turns-per-session', '2', '--turn-input-tokens', '5', '--turn-output-tokens', '6', '--think-time', '250ms']), {
    workload: { syntheticConversations: 3, turnsPerSession: 2, turnInputTokens: 5, turnOutputTokens: 6 },
    load: { thinkTime: { kind: 'fixed', ms: 250 } },
  });
  assert.throws(
    () => runConfigFromArgv(['--conversations', 'c.json', '--synthetic-conversations', '2', '--input-tokens', '5', '--warmup', '1']),
    (e: { problems: Array<{ where: string; message: string }> }) => {
      assert.deepEqual(e.problems.map((p) => `${p.where}: ${p.message}`), [
        '--conversations: cannot be combined with --synthetic-conversations',
        '--input-tokens: cannot be combined with --conversations',
        '--warmup: cannot be combined with --conversations',
      ]);
      return true;
    },
  );
});
