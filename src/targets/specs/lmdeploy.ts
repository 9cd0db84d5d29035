/**
 * LMDeploy api_server (protocols.md §4). Chat: `ignore_eos` + `min_new_tokens`; completions: `ignore_eos` (no
 * min_new_tokens field there). Native: POST /generate `{prompt, max_tokens, ignore_eos, stream}` →
 * `data: {text (delta), output_ids (delta), meta_info{prompt_tokens, completion_tokens (cumulative), finish_reason}}`
 * then [DONE]. No timings in responses (use /metrics). Tokenizer: POST /v1/encode. No cache-reset endpoint.
 */
import { num } from '../../core/num.js';
import { type ApiSpec, counter, finishType, type Json, type ServerSpec } from '../spec.js';
import { promptText } from '../target.js';
import { openAiApi, openAiProbe } from './openai.js';

const IGNORE_EOS: ApiSpec['length'] = { forcing: 'ignore_eos', fields: () => ({ ignore_eos: true }) };

const NATIVE: ApiSpec = {
  api: 'native',
  framing: 'sse',
  ends: 'finish',
  length: IGNORE_EOS,
  path: () => '/generate',
  body: (req, b) => {
    const body: Json = { prompt: promptText(req), stream: true };
    if (req.max_tokens !== null) body.max_tokens = req.max_tokens;
    if (req.temperature !== null) body.temperature = req.temperature;
    if (req.seed !== null) body.seed = req.seed;
    return Object.assign(body, b.length, req.extra_body);
  },
  reader: () => {
    const grown = counter();
    return {
      chunk: (o) => {
        const mi = (o.meta_info ?? {}) as Json;
        const growth = grown(mi.completion_tokens);
        const fr = finishType(mi.finish_reason || null);
        return {
          text: typeof o.text === 'string' ? o.text : '',
          tokens: Array.isArray(o.output_ids) ? o.output_ids.length : growth,
          ...(fr === null ? {} : { usage: { prompt_tokens: num(mi.prompt_tokens), completion_tokens: num(mi.completion_tokens) }, finish: fr }),
        };
      },
    };
  },
};

export const LMDEPLOY: ServerSpec = {
  kind: 'lmdeploy',
  apis: [openAiApi('chat', { length: { forcing: 'ignore_eos+min_tokens', fields: (n) => ({ ignore_eos: true, min_new_tokens: n }) } }), openAiApi('completions', { length: IGNORE_EOS }), NATIVE],
  probe: openAiProbe,
  tokenizers: ['lmdeploy'],
  metrics: { path: '/metrics' },
};
