/**
 * `llmbench sweep PLAN.yaml`: start each server configuration of a plan, find the highest load that meets the SLA
 * (or run the benchmark's own loads), stop the server, and name the configuration that wins (docs/sweep.md).
 */
import { type CommandDef } from '../command.js';
import { SWEEP_OPTIONS } from '../options/sweep.js';

export const sweepCommand: CommandDef = {
  name: 'sweep',
  summary: 'start servers over a grid of settings, find the highest load meeting an SLA, and name the winner',
  description:
    'PLAN is YAML (schema llmbench.sweep-plan/v1, docs/sweep.md): a server command with {placeholders}, the parameters to sweep, the benchmark ' +
    '(any `llmbench run` option), an optional sla and search. Results go to <out>/<name>_sweep_<YYYYMMDD_HHMMSS>/sweep.json with each point\'s runs in point-<k>/. ' +
    'Exit codes: 0; 4 when a point failed and others ran; 5 when no point meets the SLA; 2 for a bad plan; 130 on Ctrl-C.',
  positionals: [{ name: 'plan', description: 'the sweep plan (YAML); optional with --resume' }],
  options: SWEEP_OPTIONS,
  examples: ['llmbench sweep plan.yaml --dry-run', 'llmbench sweep plan.yaml --out results --name vllm-tuning', 'llmbench sweep --resume results/vllm-tuning_sweep_20261203_010203'],
  // The sweep (and the runner, charts and database it loads) is imported only when the command runs: `--help`
  // stays fast.
  async run(args, io) {
    const { runSweepCommand } = await import('./sweep-action.js');
    return runSweepCommand(args, io);
  },
};
