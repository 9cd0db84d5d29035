/**
 * Native protocols, one handler each, reproducing the documented wire formats:
 * SGLang /generate (cumulative text, meta_info, [DONE]) §3.3; LMDeploy /generate (delta text/ids, [DONE]) §4.3;
 * Triton generate_stream (no [DONE], perf outputs in ns) §5.2–5.3; TGI /generate_stream (`data:` without a space,
 * EOS token with empty text, details, no [DONE]) §6.3; llama.cpp /completion (tokens, final stop event with
 * timings, no [DONE]; checked against the b4748 transcript) §7.3; Ollama NDJSON (ns durations) §8.3;
 * MindIE /infer (prefill_time/decode_time, one token per event) §9.2.
 */
import { FAIL, type Handler, json, outputLength, promptTokens, sleep, sse, sseHead, tokenText } from './base.js';

const NATURAL = 5;

export const sglangGenerate: Handler = async (req, res, body, path) => {
  if (req.method !== 'POST' || path !== '/generate') return false;
  const sp = body.sampling_params ?? {};
  const max = sp.max_new_tokens ?? 128;
  const n = outputLength(max, sp.ignore_eos === true || (sp.min_new_tokens ?? 0) >= max, NATURAL);
  const p = promptTokens(body.text);
  sseHead(res);
  let text = '';
  for (let i = 0; i < n; i += 2) {
    await sleep(1);
    if (body.text.includes(FAIL)) {
      sse(res, { error: { message: 'The input (9000 tokens) is longer than the model\'s context length (8192 tokens).' } });
      sse(res, '[DONE]');
      res.end();
      return true;
    }
    // --stream-interval 2: two tokens per event; text is cumulative.
    const k = Math.min(2, n - i);
    for (let j = 0; j < k; j++) text += tokenText(i + j);
    const last = i + k >= n;
    sse(res, {
      text,
      output_ids: Array.from({ length: i + k }, (_, j) => 1000 + j),
      meta_info: {
        id: 'abc',
        finish_reason: last ? (n < max ? { type: 'stop', matched: 2 } : { type: 'length', length: max }) : null,
        prompt_tokens: p,
        completion_tokens: i + k,
        cached_tokens: 2,
        e2e_latency: last ? 0.2715655090287328 : null,
      },
    });
  }
  sse(res, '[DONE]');
  res.end();
  return true;
};

export const lmdeployGenerate: Handler = async (req, res, body, path) => {
  if (req.method === 'POST' && path === '/v1/encode') {
    const n = promptTokens(body.input) + (body.add_bos ? 1 : 0);
    return json(res, 200, { input_ids: Array.from({ length: n }, (_, i) => 200 + i), length: n });
  }
  if (req.method !== 'POST' || path !== '/generate') return false;
  const max = body.max_tokens ?? 128;
  const n = outputLength(max, body.ignore_eos === true, NATURAL);
  sseHead(res);
  for (let i = 0; i < n; i++) {
    await sleep(1);
    const last = i === n - 1;
    sse(res, { text: tokenText(i), output_ids: [1000 + i], meta_info: { prompt_tokens: promptTokens(body.prompt), completion_tokens: i + 1, finish_reason: last ? { type: n < max ? 'stop' : 'length' } : null } });
  }
  sse(res, '[DONE]');
  res.end();
  return true;
};

/** Triton + TRT-LLM ensemble. `optionalOutputs: false` models an older ensemble that rejects return_* tensors. */
export function tritonHandler(opts: { optionalOutputs: boolean }): Handler {
  return async (req, res, body, path) => {
    if (req.method === 'GET' && path === '/v2') return json(res, 200, { name: 'triton', version: '2.59.0', extensions: ['classification', 'generate'] });
    if (req.method === 'GET' && path === '/v2/models/ensemble') return json(res, 200, { name: 'ensemble', versions: ['1'], platform: 'ensemble' });
    if (req.method === 'GET' && path.startsWith('/v2/models/')) return json(res, 400, { error: `Request for unknown model: '${path.split('/')[3]}' is not found` });
    if (req.method !== 'POST' || path !== '/v2/models/ensemble/generate_stream') return false;
    for (const k of Object.keys(body)) {
      if (!opts.optionalOutputs && k.startsWith('return_')) return json(res, 400, { error: `unexpected inference input '${k}' for model 'ensemble'` });
    }
    const max = body.max_tokens;
    const n = outputLength(max, (body.min_tokens ?? 0) >= max, NATURAL);
    sseHead(res, 'text/event-stream; charset=utf-8');
    for (let i = 0; i < n; i++) {
      await sleep(1);
      if (body.text_input.includes(FAIL) && i === 2) {
        sse(res, { error: 'in ensemble \'ensemble\', Executor failed process requestId 3 due to the following error: scripted' });
        res.end();
      return true;
      }
      const o: any = { model_name: 'ensemble', model_version: '1', sequence_end: false, sequence_id: 0, sequence_start: false, text_output: tokenText(i), cum_log_probs: 0, output_log_probs: [0] };
      if (body.return_num_output_tokens) Object.assign(o, { num_output_tokens: 1, num_input_tokens: promptTokens(body.text_input) });
      if (body.return_perf_metrics) Object.assign(o, { arrival_time_ns: 1_000_000_000, first_scheduled_time_ns: 1_002_000_000, first_token_time_ns: 1_030_000_000, last_token_time_ns: 1_030_000_000 + i * 10_000_000 });
      sse(res, o);
    }
    res.end(); // no [DONE]: the stream ends with the connection
    return true;
  };
}

export const tgiHandler: Handler = async (req, res, body, path) => {
  if (req.method === 'GET' && path === '/info') {
    return json(res, 200, { model_id: 'm', model_sha: null, model_pipeline_tag: 'text-generation', max_concurrent_requests: 128, max_best_of: 2, max_stop_sequences: 4, max_input_tokens: 4095, max_total_tokens: 4096, validation_workers: 2, max_client_batch_size: 4, router: 'text-generation-router', version: '3.3.6', sha: null, docker_label: null });
  }
  if (req.method === 'POST' && path === '/tokenize') {
    const words = String(body.inputs).split(/\s+/).filter(Boolean);
    return json(res, 200, words.map((w, i) => ({ id: 300 + i, text: w, start: 0, stop: 0 })));
  }
  if (req.method !== 'POST' || path !== '/generate_stream') return false;
  const max = body.parameters?.max_new_tokens ?? 20;
  const n = Math.min(max, NATURAL); // TGI cannot be forced
  sseHead(res);
  res.write(':\n\n'); // axum KeepAlive comment
  for (let i = 0; i < n; i++) {
    await sleep(1);
    if (body.inputs.includes(FAIL) && i === 2) {
      sse(res, { error: 'Request failed during generation: Server error: CUDA out of memory', error_type: 'generation' }, { prefix: 'data:' });
      res.end();
      return true;
    }
    const last = i === n - 1;
    const eos = last && n < max; // the EOS step: a special token with empty text
    const ev: any = { index: i + 1, token: { id: eos ? 2 : 1000 + i, text: eos ? '' : tokenText(i), logprob: -0.5, special: eos }, generated_text: null, details: null, top_tokens: null };
    if (last) {
      ev.generated_text = Array.from({ length: eos ? n - 1 : n }, (_, j) => tokenText(j)).join('');
      if (body.parameters?.details) ev.details = { finish_reason: eos ? 'eos_token' : 'length', generated_tokens: n, seed: null, input_length: promptTokens(body.inputs) };
    }
    sse(res, ev, { prefix: 'data:' });
  }
  res.end();
  return true;
};

export const llamacppNative: Handler = async (req, res, body, path) => {
  if (req.method === 'GET' && path === '/props') return json(res, 200, { default_generation_settings: { id: 0, n_ctx: 2048, params: {} }, total_slots: 2, chat_template: '', build_info: 'b4748-c392e5094' });
  if (req.method === 'GET' && path === '/slots') return json(res, 200, [{ id: 0, n_ctx: 1024, is_processing: false }, { id: 1, n_ctx: 1024, is_processing: false }]);
  if (req.method === 'POST' && /^\/slots\/\d+\?action=erase$/.test(path)) return json(res, 200, { id_slot: Number(path.split('/')[2]!.split('?')[0]), n_erased: 12 });
  if (req.method === 'POST' && path === '/tokenize') {
    const n = promptTokens(body.content ?? '') + (body.add_special ? 1 : 0);
    return json(res, 200, { tokens: Array.from({ length: n }, (_, i) => 400 + i) });
  }
  if (req.method === 'POST' && path === '/detokenize') return json(res, 200, { content: body.tokens.map((t: number) => ` t${t}`).join('') });
  if (req.method !== 'POST' || path !== '/completion') return false;
  const max = body.n_predict ?? -1;
  const n = outputLength(max < 0 ? 16 : max, body.ignore_eos === true, NATURAL);
  const p = promptTokens(body.prompt) + 1; // BOS
  sseHead(res);
  for (let i = 0; i < n; i++) {
    await sleep(1);
    if (body.prompt.includes(FAIL) && i === 2) {
      // llama.cpp before PR #16109: mid-stream errors on a non-standard `error:` field
      res.write('error: {"code":400,"message":"the request exceeds the available context size. try increasing the context size or enable context shift","type":"invalid_request_error"}\n\n');
      res.end();
      return true;
    }
    sse(res, { index: 0, content: tokenText(i), tokens: [1000 + i], stop: false, id_slot: -1, tokens_predicted: i + 1, tokens_evaluated: p });
  }
  sse(res, {
    index: 0, content: '', tokens: [], id_slot: 1, stop: true, model: 'm', tokens_predicted: n, tokens_evaluated: p, generation_settings: { n_predict: max }, prompt: body.prompt, has_new_line: false, truncated: false,
    stop_type: n < (max < 0 ? 16 : max) ? 'eos' : 'limit', stopping_word: '', tokens_cached: p + n,
    timings: { prompt_n: p, prompt_ms: 1.573, prompt_per_token_ms: 1.573 / p, prompt_per_second: 1000, predicted_n: n, predicted_ms: 19.7, predicted_per_token_ms: 19.7 / n, predicted_per_second: 1000 },
  });
  res.end(); // no [DONE] on the native endpoint
  return true;
};

export const ollamaNative: Handler = async (req, res, body, path) => {
  if (req.method === 'GET' && path === '/api/version') return json(res, 200, { version: '0.13.1' });
  if (req.method === 'GET' && path === '/api/tags') return json(res, 200, { models: [{ name: 'm', model: 'm', size: 1 }] });
  if (req.method !== 'POST' || (path !== '/api/generate' && path !== '/api/chat')) return false;
  const chat = path === '/api/chat';
  const prompt = chat ? body.messages.map((m: any) => m.content).join(' ') : body.prompt;
  const max = body.options?.num_predict ?? 128;
  const n = outputLength(max, false, NATURAL);
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  const line = (o: unknown) => res.write(`${JSON.stringify(o)}\n`);
  for (let i = 0; i < n; i++) {
    await sleep(1);
    if (prompt.includes(FAIL) && i === 2) {
      line({ error: 'an error was encountered while running the model' });
      res.end();
      return true;
    }
    const base = { model: 'm', created_at: '2025-10-26T17:15:24.097767Z' };
    const piece = chat ? { message: { role: 'assistant', content: tokenText(i) } } : { response: tokenText(i) };
    if (i < n - 1) line({ ...base, ...piece, done: false });
    else line({ ...base, ...piece, done: true, done_reason: n < max ? 'stop' : 'length', total_duration: 10706818083, load_duration: 6338219291, prompt_eval_count: promptTokens(prompt), prompt_eval_duration: 130079000, eval_count: n, eval_duration: 4232710000 });
  }
  res.end();
  return true;
};

export const mindieInfer: Handler = async (req, res, body, path) => {
  if (req.method === 'GET' && path === '/v2') return json(res, 200, { name: 'MindIE Server', version: '2.1.RC1', extensions: { max_iter_times: 4096 } });
  if (req.method !== 'POST' || path !== '/infer') return false;
  const max = body.parameters?.max_new_tokens ?? 20;
  const n = Math.min(max, NATURAL);
  sseHead(res);
  for (let i = 0; i < n; i++) {
    await sleep(1);
    const ev: any = { prefill_time: i === 0 ? 45.54 : null, decode_time: i === 0 ? null : 10 + i, token: { id: 1000 + i, text: tokenText(i) } };
    if (i === n - 1 && body.parameters?.details) ev.details = { finish_reason: n < max ? 'eos_token' : 'length', generated_tokens: n, seed: 846930886 };
    sse(res, ev);
  }
  res.end();
  return true;
};
