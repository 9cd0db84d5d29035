/**
 * Huawei MindIE Service (protocols.md §9). HTTPS with mutual TLS by default: --ca-cert, --client-cert, --client-key.
 * OpenAI mode: /v1/chat/completions with `ignore_eos` (UNVERIFIED in primary docs). In "native OpenAI" mode
 * (`openAiSupport` ≠ vllm) the usage carries `prefill_time` and `decode_time_arr` (ms), read as server timings.
 * Native: POST /infer `{inputs, stream: true, parameters{max_new_tokens, details: true, ...}}`; one token per event
 * `data: {prefill_time, decode_time, token{id, text}}` (prefill_time on the first, decode_time on later ones; ms,
 * UNVERIFIED); no known terminator, so a cleanly closed stream ends it. No min_tokens/ignore_eos on /infer →
 * length_forcing 'none' there. No tokenizer used (/v1/tokenizer returns strings). Metrics: its metricsPort (config.json,
 * no known default), so only scraped when --metrics-url names it.
 */
import { SetupError } from '../../core/errors.js';
import { num } from '../../core/num.js';
import { type ServerTimings } from '../../core/record.js';
import { type ApiSpec, IGNORE_EOS, type Json, type ServerSpec } from '../spec.js';
import { openAiApi, openAiProbe } from './openai.js';
import { tgiFinish, tgiStyleBody } from './tgi.js';

/**
 * Server timings from `prefill_time` and the per-token decode times (ms). No decode times means the decode time is
 * unknown, not 0 ms; prefill + Σ decode is the server's end-to-end time.
 */
function mindieTimings(source: string, prefill: number | null, decodes: number[] | null): ServerTimings {
  const known = decodes !== null && decodes.length > 0 ? decodes : null;
  const decode = known ? known.reduce((a, b) => a + b, 0) : null;
  return { source, ttft_ms: prefill, e2e_ms: prefill !== null && decode !== null ? prefill + decode : null, prefill_ms: prefill, decode_ms: decode, decode_times_ms: known };
}

const INFER: ApiSpec = {
  api: 'native',
  ends: 'close',
  length: { forcing: 'none', unforced: 'length_not_forced: MindIE /infer has no ignore_eos/min_tokens' },
  path: () => '/infer',
  body: (req) => tgiStyleBody(req, false, { stream: true }),
  reader: () => {
    let prefill: number | null = null;
    const decodes: number[] = [];
    let finish: string | null = null;
    let generated: number | null = null;
    return {
      chunk: (o) => {
        prefill ??= num(o.prefill_time);
        const decode = num(o.decode_time);
        if (decode !== null) decodes.push(decode);
        const d = o.details as Json | undefined;
        if (d) {
          if (typeof d.finish_reason === 'string') finish = tgiFinish(d.finish_reason);
          generated = num(d.generated_tokens);
        }
        const tok = o.token as Json | undefined;
        return tok ? { text: typeof tok.text === 'string' ? tok.text : '', tokens: 1 } : {};
      },
      // Only the server's own count is usage; otherwise the recorder falls back to the one-token-per-event chunks.
      // prefill_time is the server's time to the first token.
      end: () => ({ usage: generated === null ? null : { completion_tokens: generated }, timings: mindieTimings('mindie.infer', prefill, decodes), finish }),
    };
  },
};

export const MINDIE: ServerSpec = {
  kind: 'mindie',
  apis: [
    openAiApi('chat', {
      length: IGNORE_EOS,
      timings: (chunk) => {
        const u = chunk.usage as Json | null | undefined;
        if (!u || (u.prefill_time === undefined && u.decode_time_arr === undefined)) return null;
        const arr = Array.isArray(u.decode_time_arr) ? (u.decode_time_arr as unknown[]).map(num).filter((x): x is number => x !== null) : null;
        return mindieTimings('mindie.usage', num(u.prefill_time), arr);
      },
    }),
    INFER,
  ],
  probe: async (c) => {
    if (c.api !== 'native') return openAiProbe(c);
    c.info.model = c.model ?? 'mindie';
    // /infer needs no model name; GET /v2 (Triton-compatible server info) only checks that the server answers,
    // so a TLS or connection problem is a setup error before the run rather than N failed requests.
    try {
      const r = await c.http.json('GET', '/v2', undefined, { timeoutMs: 15_000 });
      const j = r.json as { version?: string } | null;
      if (r.status === 200 && typeof j?.version === 'string') c.info.version = j.version;
    } catch (e) {
      throw new SetupError('LLMBENCH_TARGET_UNREACHABLE', `cannot reach ${c.info.url}: ${(e as Error).message}`, 'MindIE serves HTTPS with mutual TLS by default: pass --ca-cert, --client-cert and --client-key (or --insecure to skip verifying the server)');
    }
  },
  tokenizers: [],
  metrics: null,
};
