/**
 * trtllm-serve (protocols.md §5.1). Its request models forbid unknown fields (400), so only supported fields are
 * sent: the OpenAI basics plus `ignore_eos` + `min_tokens`. `stream_options` present ⇒ a usage chunk. The first chunk
 * ends with a space before the blank line (`data: {...} \n\n`): the SSE reader's payload is trimmed before parsing.
 * Metrics: /prometheus/metrics (its /metrics is JSON). Tokenizer: none routed for sure (`/_internal/tokenize` is
 * UNVERIFIED). No cache reset endpoint.
 */
import { OpenAiTarget } from './openai.js';

export class TrtllmTarget extends OpenAiTarget {}
