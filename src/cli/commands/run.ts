/**
 * `llmbench run`: its options and help. Flags become a RunConfig (src/cli/run-config.ts), which
 * src/runner/benchmark.ts runs; ./run-action.ts prints the tables and maps the outcome to an exit code.
 */
import { type CommandDef } from '../command.js';
import { LOAD_OPTIONS, OUTPUT_OPTIONS, SHARD_OPTIONS, TARGET_OPTIONS, WORKLOAD_OPTIONS } from '../options/run.js';
import { SERVER_OPTIONS } from '../options/server.js';
import { FORMAT_OPTIONS, REPORT_RUN_OPTIONS } from '../options/report.js';
import { QUALITY_OPTIONS } from '../options/quality.js';
import { HARDWARE_OPTION } from '../options/estimate.js';
import { ENGINE_OPTIONS } from '../options/engine.js';

export const RUN_OPTIONS = [
  ...TARGET_OPTIONS,
  ...SERVER_OPTIONS,
  ...WORKLOAD_OPTIONS,
  ...QUALITY_OPTIONS,
  ...ENGINE_OPTIONS,
  ...LOAD_OPTIONS,
  ...SHARD_OPTIONS,
  ...OUTPUT_OPTIONS,
  // On run, JSON output means results.json itself on stdout (progress and tables then go to stderr).
  ...FORMAT_OPTIONS.map((o) => (o.name === 'json' ? { ...o, description: 'same as --format json: print results.json to stdout and nothing else (progress and tables go to stderr)' } : o)),
  ...REPORT_RUN_OPTIONS,
  HARDWARE_OPTION,
  { name: 'model-shape', kind: 'string' as const, placeholder: 'PATH|PRESET', group: 'Hardware', description: "the served model's shape for MBU/MFU and predicted memory: a config.json, a .gguf or a preset name (the embedded engine reads its GGUF itself)" },
];

export const runCommand: CommandDef = {
  name: 'run',
  summary: 'benchmark a server or the embedded engine over a grid of scenarios',
  description: 'With no --target, the embedded engine (node-llama-cpp) runs in-process: no server and no GPU needed.',
  options: RUN_OPTIONS,
  examples: [
    'llmbench run',
    'llmbench run --target http://127.0.0.1:8000 --input-tokens 3,26 --output-tokens 50,100 --repeat 5',
    'llmbench run --target http://127.0.0.1:8000 --concurrency 1,8,32 --slo ttft:200ms,tpot:50ms',
    'llmbench run --target http://127.0.0.1:8000 --rate 2,4,8 --arrival gamma:0.5 --duration 60s',
  ],
  // The work (and the engine, charts and database it loads) is imported only when the command runs: `--help`
  // stays fast.
  async run(args, io) {
    const { runRunCommand } = await import('./run-action.js');
    return runRunCommand(args, io);
  },
};
