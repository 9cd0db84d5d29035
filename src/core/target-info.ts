/**
 * What a run records about the target it talked to (results.json `target`). Lives in core because results,
 * monitors and reports read it without depending on the adapters that fill it in.
 */
export type ApiStyle = 'chat' | 'completions' | 'native';

export type LengthForcing = 'ignore_eos' | 'min_tokens' | 'ignore_eos+min_tokens' | 'min_new_tokens' | 'min_length' | 'engine' | 'none';

/** What results.json records under `target`. Never contains secrets (API keys, auth headers). */
export interface TargetInfo {
  kind: string; // 'openai' | 'vllm' | ... | 'embedded'
  url: string | null;
  api: ApiStyle | null;
  model: string;
  /** How the server was identified (`auto` detection) and what it reported. */
  server?: { detected: string | null; how: string | null; version: string | null } | null;
  /** How exact output lengths are forced on this target, or 'none' when they cannot be. */
  length_forcing: LengthForcing;
  /** Where input token counts come from for synthetic prompts. */
  tokenizer: string | null;
  [extra: string]: unknown;
}
