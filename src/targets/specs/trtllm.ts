/**
 * trtllm-serve (protocols.md §5.1). Its request models forbid unknown fields (400), so only supported fields are
 * sent: the OpenAI basics plus `ignore_eos` + `min_tokens`. `stream_options` present ⇒ a usage chunk. The first chunk
 * ends with a space before the blank line (`data: {...} \n\n`): the stream loop trims a payload before parsing.
 * Metrics: /prometheus/metrics (its /metrics is JSON). Tokenizer: none routed for sure (`/_internal/tokenize` is
 * UNVERIFIED), so both dialects are probed. No cache reset endpoint.
 */
import { IGNORE_EOS_MIN_TOKENS, type ServerSpec } from '../spec.js';
import { openAiApis, openAiProbe } from './openai.js';

export const TRTLLM: ServerSpec = {
  kind: 'trtllm',
  apis: openAiApis({ length: IGNORE_EOS_MIN_TOKENS }),
  probe: openAiProbe,
  tokenizers: ['vllm', 'llamacpp'],
  metrics: { path: '/prometheus/metrics' },
};
