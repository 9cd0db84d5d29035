/** Options of `llmbench serve` (the engine settings come from options/engine.ts, one value each). */
import { OptionValueError, parseNumber, type OptionDef } from '../option.js';

export const SERVE_GROUP = 'Server';

export const SERVE_OPTIONS: readonly OptionDef[] = [
  { name: 'model', short: 'm', kind: 'string', placeholder: 'PATH.gguf', description: 'GGUF model file to serve, or hf:user/repo:QUANT (downloaded once to ~/.cache/llmbench/models)', group: SERVE_GROUP },
  { name: 'host', kind: 'string', default: '127.0.0.1', description: 'Address to listen on (0.0.0.0 exposes the server to the network)', group: SERVE_GROUP },
  {
    name: 'port',
    kind: 'int',
    default: 8080,
    description: 'Port to listen on; 0 picks a free one (printed at start)',
    group: SERVE_GROUP,
    parse: (raw: string) => {
      const v = parseNumber(raw, true);
      if (v < 0 || v > 65535) throw new OptionValueError(`port ${raw} is out of range`, 'use 0–65535');
      return v;
    },
  },
  {
    name: 'parallel',
    short: 'p',
    kind: 'int',
    default: 1,
    description: 'Requests decoded at once (context sequences, batched together each step); more wait in line',
    group: SERVE_GROUP,
    parse: (raw: string) => {
      const v = parseNumber(raw, true);
      if (v < 1) throw new OptionValueError('--parallel must be at least 1');
      return v;
    },
  },
  { name: 'prefix-cache', kind: 'boolean', default: true, description: "Reuse a sequence's cached KV cells for the longest common token prefix of a new prompt, as llama.cpp's server does (usage.prompt_tokens_details.cached_tokens, timings.cache_n); --no-prefix-cache makes every request start cold", group: SERVE_GROUP },
];
