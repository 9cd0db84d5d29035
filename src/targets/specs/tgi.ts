/**
 * Hugging Face TGI (protocols.md §6). Exact length cannot be forced (`ignore_eos_token: false` is hard-coded in its
 * validation; no min_tokens), on any API: length_forcing 'none', and every forced request says so. Native: POST
 * /generate_stream `{inputs, parameters: {max_new_tokens, details: true, ...}}`; events are `data:{...}` *without* a
 * space, exactly one `token` each (the EOS step arrives as a special token with empty text and is counted), the last
 * carries `generated_text` and `details{finish_reason, generated_tokens, input_length}`; no [DONE]. Errors arrive
 * inside the 200 stream as `{"error": "...", "error_type": "..."}`. Timings: only non-streaming responses carry
 * x-*-time headers, so streams have none. Tokenizer: POST /tokenize `{inputs}`; no /detokenize.
 */
import { num } from '../../core/num.js';
import { type ApiSpec, type Json, type ServerSpec } from '../spec.js';
import { type GenerationRequest, promptText } from '../target.js';
import { openAiApis, openAiProbe } from './openai.js';

const NO_LENGTH: ApiSpec['length'] = { forcing: 'none', unforced: 'length_not_forced: TGI has no ignore_eos/min_tokens' };

/**
 * The `{inputs, parameters}` request of TGI's native API, which MindIE's /infer copies: `details` for the final
 * counts, `max_new_tokens`, sampling only for a positive temperature (TGI rejects temperature 0 as "must be strictly
 * positive"; `greedyDoSample` sends an explicit do_sample false), and --extra-body's `parameters` merged in while
 * its other keys go top-level.
 */
export function tgiStyleBody(req: GenerationRequest, greedyDoSample: boolean, top: Json): Json {
  const parameters: Json = { details: true };
  if (req.max_tokens !== null) parameters.max_new_tokens = req.max_tokens;
  if (req.temperature !== null && req.temperature > 0) Object.assign(parameters, { temperature: req.temperature, do_sample: true });
  else if (greedyDoSample) parameters.do_sample = false;
  if (req.seed !== null) parameters.seed = req.seed;
  const { parameters: extraParams, ...extraTop } = req.extra_body as { parameters?: Json };
  Object.assign(parameters, extraParams ?? {});
  return { inputs: promptText(req), ...top, parameters, ...extraTop };
}

/** TGI's finish reasons (and MindIE's copy of them) in OpenAI's words: `eos_token` and `stop_sequence` are `stop`. */
export function tgiFinish(fr: string): string {
  return fr === 'eos_token' || fr === 'stop_sequence' ? 'stop' : fr;
}

const GENERATE_STREAM: ApiSpec = {
  api: 'native',
  length: NO_LENGTH,
  path: () => '/generate_stream',
  body: (req) => tgiStyleBody(req, true, {}),
  reader: () => ({
    chunk: (o) => {
      const tok = o.token as Json | undefined;
      const text = tok && tok.special !== true && typeof tok.text === 'string' ? tok.text : '';
      const tokens = tok ? 1 : null;
      if (o.generated_text === null || o.generated_text === undefined) return { text, tokens };
      const d = (o.details ?? {}) as Json;
      const fr = typeof d.finish_reason === 'string' ? d.finish_reason : 'stop';
      return { text, tokens, usage: { prompt_tokens: num(d.input_length), completion_tokens: num(d.generated_tokens) }, finish: tgiFinish(fr) };
    },
  }),
};

export const TGI: ServerSpec = {
  kind: 'tgi',
  apis: [...openAiApis({ length: NO_LENGTH }), GENERATE_STREAM],
  probe: async (c) => {
    try {
      const r = await c.http.json('GET', '/info', undefined, { timeoutMs: 15_000 });
      const j = r.json as { model_id?: string; max_total_tokens?: number } | null;
      if (r.status === 200 && j) {
        if (!c.model && j.model_id) c.info.model = j.model_id;
        if (typeof j.max_total_tokens === 'number') c.info.max_total_tokens = j.max_total_tokens;
      }
    } catch {
      // the OpenAI probe below, or the first request, reports an unreachable server
    }
    if (c.api !== 'native') await openAiProbe(c);
    else if (!c.info.model) c.info.model = c.model ?? 'tgi';
  },
  tokenizers: ['tgi'],
  metrics: { path: '/metrics' },
};
