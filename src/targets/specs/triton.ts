/**
 * Triton Inference Server's generate extension with the TensorRT-LLM `ensemble` (protocols.md §5.2, §5.3); it
 * speaks only this API. POST /v2/models/{model}/generate_stream with the ensemble's tensors as top-level keys:
 * `text_input`, `max_tokens`, `stream: true`, and `min_tokens == max_tokens` to force the length (no ignore_eos).
 * Each response is `data: {...}` with `text_output`; there is **no [DONE]**: the stream ends when the connection
 * closes. Errors before inference are HTTP 4xx `{"error": "..."}`, later ones an error object inside the 200 stream.
 * `return_num_output_tokens` and `return_perf_metrics` exist only in newer ensemble configs: they are asked for, and
 * dropped for the rest of the run when the model rejects them. Perf outputs (`*_time_ns`) become server timings.
 */
import { SetupError } from '../../core/errors.js';
import { num } from '../../core/num.js';
import { type ServerTimings } from '../../core/record.js';
import { errorMessage } from '../../net/http.js';
import { type ApiSpec, type Json, sampling, type ServerSpec } from '../spec.js';
import { promptText, type RequestFailure } from '../target.js';

/** `num_output_tokens` per response: cumulative or per-response depending on the backend (UNVERIFIED); decided from the sequence. */
export function outputTokenCount(values: number[]): number | null {
  if (!values.length) return null;
  const nonDecreasing = values.every((v, i) => i === 0 || v >= values[i - 1]!);
  const grows = values.some((v, i) => i > 0 && v > values[i - 1]!);
  const last = values[values.length - 1]!;
  if (values.length === 1 || (nonDecreasing && grows && last >= values.length)) return last;
  return values.reduce((a, b) => a + b, 0);
}

export function tritonTimings(o: Json): ServerTimings | null {
  const arrival = num(o.arrival_time_ns);
  const sched = num(o.first_scheduled_time_ns);
  const first = num(o.first_token_time_ns);
  const last = num(o.last_token_time_ns);
  if (arrival === null && first === null) return null;
  const d = (a: number | null, b: number | null) => (a !== null && b !== null ? (b - a) / 1e6 : null);
  return { source: 'triton.perf_metrics', queue_ms: d(arrival, sched), ttft_ms: d(arrival, first), decode_ms: d(first, last), e2e_ms: d(arrival, last) };
}

const GENERATE: ApiSpec = {
  api: 'native',
  ends: 'close',
  length: { forcing: 'min_tokens', fields: (n) => ({ min_tokens: n }) },
  optional: { return_num_output_tokens: true, return_perf_metrics: true },
  path: (_req, model) => `/v2/models/${encodeURIComponent(model)}/generate_stream`,
  // The ensemble requires max_tokens; without --output-tokens/--max-tokens 256 is asked for.
  body: (req, b) => ({ text_input: promptText(req), stream: true, max_tokens: 256, ...sampling(req, 'max_tokens'), ...b.length, ...b.optional, ...req.extra_body }),
  reader: () => {
    const counts: number[] = [];
    let last: Json = {};
    return {
      chunk: (o) => {
        last = o;
        const n = num(o.num_output_tokens);
        if (n !== null) counts.push(n);
        return { text: typeof o.text_output === 'string' ? o.text_output : '' };
      },
      end: () => {
        const completion = outputTokenCount(counts);
        return { usage: completion === null ? null : { prompt_tokens: num(last.num_input_tokens), completion_tokens: completion }, timings: tritonTimings(last) };
      },
    };
  },
};

export const TRITON: ServerSpec = {
  kind: 'triton',
  apis: [GENERATE],
  probe: async (c) => {
    c.info.model = c.model ?? 'ensemble';
    try {
      const v = await c.http.json('GET', '/v2', undefined, { timeoutMs: 15_000 });
      if (v.status === 200) c.info.version = (v.json as { version?: string } | null)?.version ?? null;
      const m = await c.http.json('GET', `/v2/models/${encodeURIComponent(c.info.model)}`, undefined, { timeoutMs: 15_000 });
      if (m.status === 404 || m.status === 400) {
        throw new SetupError('LLMBENCH_MODEL_NOT_FOUND', `Triton at ${c.info.url} has no model '${c.info.model}': ${errorMessage(m.text)}`, 'name the generate model with --model (the TensorRT-LLM ensemble is usually "ensemble")');
      }
    } catch (e) {
      if (e instanceof SetupError) throw e;
      throw new SetupError('LLMBENCH_TARGET_UNREACHABLE', `cannot reach ${c.info.url}: ${(e as RequestFailure).message}`, 'check that tritonserver is running and the --target port is its HTTP port (8000)');
    }
  },
  tokenizers: [],
  metrics: { path: '/metrics', port: 8002 },
};
