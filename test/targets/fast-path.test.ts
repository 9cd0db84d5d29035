// The per-chunk fast path (ApiSpec.fast) against the full parse: the same chunks go through both, and wherever the
// fast path answers it must give exactly what JSON.parse + the error check + the reader give; wherever the chunk
// could carry anything more (finish, usage, timings, metrics, reasoning, tool calls, token ids, errors, unknown keys)
// or is not strict JSON, it must decline. Corpus: hand-written server shapes, every `data:` line of the real
// llama.cpp transcripts (../shared/fixtures/transcripts/), and seeded random mutations of accepted chunks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SPECS } from '../../src/targets/specs/index.js';
import { errorOf } from '../../src/targets/stream.js';
import { type ApiSpec, type Chunk, type Json } from '../../src/targets/spec.js';
import { TRANSCRIPTS } from '../support/transcripts.js';
import { type GenerationRequest } from '../../src/targets/target.js';

const REQ: GenerationRequest = { id: 'r', prompt: 'p', max_tokens: 8, force_length: false, temperature: null, seed: null, extra_body: {} };

/** What the loop does without the fast path: 'reject' for a chunk it fails ('parse' or 'server'), else the reader's chunk. */
function slow(api: ApiSpec, data: string): Chunk | 'reject' {
  let obj: unknown;
  try {
    obj = JSON.parse(data);
  } catch {
    return 'reject';
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj) || errorOf(obj as Json) !== null) return 'reject';
  return api.reader(REQ).chunk(obj as Json);
}

const FAST_APIS = Object.values(SPECS).flatMap((s) => s.apis.filter((a) => a.fast).map((a) => ({ name: `${s.kind}/${a.api}`, api: a })));

const vllmChat = (content: string) => `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}},"logprobs":null,"finish_reason":null}]}`;
const CHAT = [
  vllmChat(' hello'),
  vllmChat(''),
  vllmChat('é "quoted" \\ back\nslash\t\u0001 \ud83d\ude00'),
  '{"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}',
  '{"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"a","reasoning_content":null,"tool_calls":null},"logprobs":null,"finish_reason":null,"matched_stop":null}],"usage":null}',
  '{"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"a","reasoning_content":null},"logprobs":null,"finish_reason":null,"stop_reason":null}],"usage":null}',
  '{"id":"x","choices":[{"index":0,"delta":{"role":"assistant"},"finish_reason":null}]}',
  '{"id":"x","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":"stop"}]}',
  '{"id":"x","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}],"usage":{"prompt_tokens":3,"completion_tokens":1}}',
  '{"id":"x","choices":[{"index":0,"delta":{"reasoning_content":"think"},"finish_reason":null}]}',
  '{"id":"x","choices":[{"index":0,"delta":{"content":"a","reasoning":"think"},"finish_reason":null}]}',
  '{"id":"x","choices":[{"index":0,"delta":{"content":"a"},"token_ids":[1,2],"finish_reason":null}]}',
  '{"id":"x","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}],"timings":{"prompt_ms":1}}',
  '{"id":"x","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}],"metrics":{"time_to_first_token_ms":1}}',
  '{"id":"x","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}],"error":{"message":"boom"}}',
  '{"error":"boom","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]}',
  '{"id":"x","choices":[{"index":0,"delta":{"content":"a","tool_calls":[{"id":"t"}]},"finish_reason":null}]}',
  '{"id":"x","choices":[{"index":0,"delta":{"content":"a","content":"b"},"finish_reason":null}]}',
  '{"id":"x","choices":[{"index":0,"delta":{"content":"a"},"delta":{"role":"assistant"},"finish_reason":null}]}',
  '{"id":"x","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null},{"index":1,"delta":{"content":"b"},"finish_reason":null}]}',
  '{"id":"x", "choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]}',
  '{"id":"x","choices":[{"index":0,"delta":{"content":"a\\x"},"finish_reason":null}]}',
  '{"id":"x","choices":[{"index":0,"delta":{"content":"a\u0001"},"finish_reason":null}]}',
  '{"id":"x","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}],}',
  '{"id":"x","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]',
  '{"id":"x","choices":[{"index":01,"delta":{"content":"a"},"finish_reason":null}]}',
  '{"id":"x","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]}}',
];
const COMPLETIONS = [
  '{"id":"cmpl-1","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":" t","logprobs":null,"finish_reason":null,"stop_reason":null}],"usage":null}',
  '{"id":"cmpl-1","choices":[{"index":0,"text":"","logprobs":null,"finish_reason":"length"}]}',
  '{"id":"cmpl-1","choices":[{"index":0,"text":"a","text":"b","finish_reason":null}]}',
  '{"id":"cmpl-1","choices":[{"index":0,"text":"a","token_ids":[5],"finish_reason":null}]}',
  '{"id":"cmpl-1","choices":[{"index":0,"text":null,"finish_reason":null}]}',
];
const TRANSCRIPT_DATA = readdirSync(TRANSCRIPTS)
  .filter((f) => f.endsWith('.txt'))
  .flatMap((f) => [...readFileSync(join(TRANSCRIPTS, f), 'utf8').matchAll(/^data: ?(.*?)\r?$/gm)].map((m) => m[1]!.trim()));

/** Checks one chunk through both paths; returns whether the fast path answered. */
function same(name: string, api: ApiSpec, data: string): boolean {
  const fast = api.fast!(data);
  if (fast === null) return false;
  const full = slow(api, data);
  assert.notEqual(full, 'reject', `${name}: fast path accepted a chunk the loop rejects: ${data}`);
  assert.deepEqual(fast, full, `${name}: ${data}`);
  return true;
}

test('the OpenAI-style specs all have the fast path', () => {
  assert.deepEqual(FAST_APIS.map((a) => a.name), ['openai/chat', 'openai/completions', 'vllm/chat', 'vllm/completions', 'sglang/chat', 'sglang/completions', 'lmdeploy/chat', 'lmdeploy/completions', 'trtllm/chat', 'trtllm/completions', 'tgi/chat', 'tgi/completions', 'llamacpp/chat', 'llamacpp/completions', 'ollama/chat', 'ollama/completions', 'mindie/chat']);
});

test('hand-written chunks: plain token chunks take the fast path, with the reader\'s result; everything else declines', () => {
  for (const { name, api } of FAST_APIS) {
    const list = api.api === 'chat' ? CHAT : COMPLETIONS;
    const accepted = list.filter((d) => same(name, api, d)).map((d) => list.indexOf(d));
    assert.deepEqual(accepted, api.api === 'chat' ? [0, 1, 2, 3, 4, 5] : [0], name);
    // The other style's chunks are never read as this one's.
    for (const d of api.api === 'chat' ? COMPLETIONS : CHAT) assert.equal(api.fast!(d), null, `${name}: ${d}`);
  }
});

test('real llama.cpp transcripts: every plain token chunk takes the fast path with the same result, the rest the full parse', () => {
  let chat = 0;
  let completions = 0;
  for (const { name, api } of FAST_APIS) {
    let n = 0;
    for (const d of TRANSCRIPT_DATA) if (same(name, api, d)) n++;
    if (name === 'llamacpp/chat') chat = n;
    if (name === 'llamacpp/completions') completions = n;
  }
  // v1_chat_stream_usage (24 tokens) + v1_chat_stream_no_usage_opt (8) + phi3vocab_chat; v1_completions_stream (16).
  const tokenChunks = (key: string) => TRANSCRIPT_DATA.filter((d) => d.startsWith('{') && d.includes(key) && d.includes('"finish_reason":null') && !d.includes('"usage":{') && !d.includes('"timings"')).length;
  assert.equal(chat, tokenChunks('"delta":{"content"'));
  assert.equal(completions, tokenChunks('"text":'));
  assert.ok(chat >= 30 && completions >= 15, `${chat} chat, ${completions} completions chunks`);
});

test('random mutations of accepted chunks: whatever the fast path still accepts, the full parse reads the same', () => {
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const alphabet = ['"', '\\', '{', '}', '[', ']', ',', ':', ' ', 'a', '0', '\n', 'u', 'n', 'é', '\u0000'];
  const seeds = [...CHAT.slice(0, 6), ...TRANSCRIPT_DATA.filter((d) => d.includes('"finish_reason":null')).slice(0, 10)];
  const chatApi = FAST_APIS.find((a) => a.name === 'vllm/chat')!.api;
  const compApi = FAST_APIS.find((a) => a.name === 'llamacpp/completions')!.api;
  let accepted = 0;
  let tried = 0;
  for (const base of [...seeds, ...COMPLETIONS.slice(0, 1)]) {
    for (let k = 0; k < 400; k++) {
      let d = base;
      for (let m = 1 + rand(3); m > 0; m--) {
        const at = rand(d.length + 1);
        const op = rand(3);
        d = op === 0 ? d.slice(0, at) + d.slice(at + 1) : op === 1 ? d.slice(0, at) + alphabet[rand(alphabet.length)]! + d.slice(at) : d.slice(0, at) + d.slice(rand(d.length + 1));
      }
      tried++;
      if (same('vllm/chat', chatApi, d)) accepted++;
      if (same('llamacpp/completions', compApi, d)) accepted++;
    }
  }
  // Some mutants stay plain token chunks (a changed character of the content): the comparison is not vacuous.
  assert.ok(accepted > 100 && accepted < tried, `${accepted} of ${tried} accepted`);
});
