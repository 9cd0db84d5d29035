/**
 * The names of the servers the registry (specs/index.ts) has, in its order, with no imports: `--server`'s choices
 * and `--help` read them here without loading a spec, the HTTP client or undici. test/targets/kinds.test.ts keeps
 * this list equal to the registry's keys.
 */
export const SERVER_KIND_NAMES = ['openai', 'vllm', 'sglang', 'lmdeploy', 'trtllm', 'triton', 'tgi', 'llamacpp', 'ollama', 'mindie'] as const;

export type ServerKind = (typeof SERVER_KIND_NAMES)[number];

/** `--server`'s choices: every server, and `auto` (detect it). */
export const SERVER_KINDS = ['auto', ...SERVER_KIND_NAMES] as const;
