import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SERVER_KIND_NAMES, SERVER_KINDS, type ServerKind } from '../../src/targets/kinds.js';
import { SPECS } from '../../src/targets/specs/index.js';
import { target } from '../support/adapters.js';
import { type ScriptedServer, startGenericOpenAi, startLlamacpp, startLmdeploy, startMindie, startOllama, startSglang, startTgi, startTriton, startTrtllm, startVllm } from '../support/servers/index.js';

test('kinds.ts names exactly the servers of the registry, in its order, each spec under its own kind', () => {
  assert.deepEqual([...SERVER_KIND_NAMES], Object.keys(SPECS));
  for (const k of SERVER_KIND_NAMES) assert.equal(SPECS[k].kind, k);
  assert.deepEqual(SERVER_KINDS, ['auto', ...SERVER_KIND_NAMES]);
});

test('defaultMetricsUrl: where each kind of server target serves its Prometheus metrics, whatever path the target URL has', async () => {
  // The origin of the target with the spec's path; Triton on its own port; none known for Ollama, MindIE (its
  // metricsPort has no default) and an unnamed OpenAI-style server.
  const cases: Array<[ServerKind, () => Promise<ScriptedServer>, (origin: string) => string | null]> = [
    ['openai', startGenericOpenAi, () => null],
    ['vllm', startVllm, (o) => `${o}/metrics`],
    ['sglang', startSglang, (o) => `${o}/metrics`],
    ['lmdeploy', startLmdeploy, (o) => `${o}/metrics`],
    ['trtllm', startTrtllm, (o) => `${o}/prometheus/metrics`],
    ['triton', () => startTriton(), () => 'http://127.0.0.1:8002/metrics'],
    ['tgi', startTgi, (o) => `${o}/metrics`],
    ['llamacpp', startLlamacpp, (o) => `${o}/metrics`],
    ['ollama', startOllama, () => null],
    ['mindie', () => startMindie(), () => null],
  ];
  assert.deepEqual(cases.map(([k]) => k), [...SERVER_KIND_NAMES]);
  for (const [kind, start, expected] of cases) {
    const s = await start();
    try {
      const t = await target(`${s.url}/v1/`, kind);
      try {
        assert.equal(t.defaultMetricsUrl, expected(s.url), kind);
      } finally {
        await t.close();
      }
    } finally {
      await s.close();
    }
  }
});
