/**
 * LMDeploy api_server (protocols.md §4). Chat: `ignore_eos` + `min_new_tokens`; completions: `ignore_eos` (no
 * min_new_tokens field there). Native: POST /generate `{prompt, max_tokens, ignore_eos, stream}` →
 * `data: {text (delta), output_ids (delta), meta_info{prompt_tokens, completion_tokens (cumulative), finish_reason}}`
 * then [DONE]. No timings in responses (use /metrics). Tokenizer: POST /v1/encode. No cache-reset endpoint.
 */
import { num } from '../../core/num.js';
import { type ApiSpec, finishType, IGNORE_EOS, type Json, sampling, type ServerSpec, str, tokenCount } from '../spec.js';
import { promptText } from '../target.js';
import { openAiApi, openAiProbe } from './openai.js';

const NATIVE: ApiSpec = {
  api: 'native',
  length: IGNORE_EOS,
  path: () => '/generate',
  body: (req, b) => ({ prompt: promptText(req), stream: true, ...sampling(req, 'max_tokens'), ...b.length, ...req.extra_body }),
  reader: () => {
    const tokens = tokenCount();
    return {
      chunk: (o) => {
        const mi = (o.meta_info ?? {}) as Json;
        const c = { text: str(o.text), tokens: tokens(o.output_ids, mi.completion_tokens) };
        const fr = finishType(mi.finish_reason || null);
        return fr === null ? c : { ...c, usage: { prompt_tokens: num(mi.prompt_tokens), completion_tokens: num(mi.completion_tokens) }, finish: fr };
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
