/**
 * `llmbench sweep PLAN.yaml`: start each server configuration of a plan, find the highest load that meets the SLA
 * (or run the benchmark's own loads), stop the server, and name the configuration that wins (docs/sweep.md).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { type CommandDef } from '../command.js';
import { SWEEP_OPTIONS } from '../options/sweep.js';
import { RUN_OPTIONS } from './run.js';
import { resolveFormat } from '../options/report.js';
import { UsageError } from '../../core/errors.js';
import { parsePlan } from '../../sweep/plan.js';
import { cliMeasure } from '../../sweep/measure.js';
import { runSweep, sweepExitCode } from '../../sweep/run-sweep.js';
import { type SweepResult } from '../../sweep/result.js';
import { dryRunText, renderPoints, sweepTable, winnerLine } from '../../sweep/render.js';
import { sweepCharts } from '../../sweep/charts.js';
import { specToSvg } from '../../reports/charts/render.js';
import { renderTable } from '../../reports/table.js';
import { timestampSlug } from '../../runner/output.js';
import { recordRun } from '../../store/history.js';
import { resolveDbPath } from '../../store/paths.js';

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
  async run(args, io) {
    const v = args.values as Record<string, any>;
    const planArg = args.positionals[0];
    let previous: SweepResult | null = null;
    let resumeDir: string | null = null;
    let planFile: string;
    let text: string;
    if (v.resume) {
      resumeDir = resolve(io.cwd, v.resume);
      const sj = join(resumeDir, 'sweep.json');
      if (!existsSync(sj) || !existsSync(join(resumeDir, 'plan.yaml'))) throw new UsageError([{ where: '--resume', message: `${resumeDir} is not a sweep folder (no sweep.json and plan.yaml)`, hint: 'give the folder an interrupted sweep printed' }]);
      previous = JSON.parse(readFileSync(sj, 'utf8')) as SweepResult;
      text = readFileSync(join(resumeDir, 'plan.yaml'), 'utf8');
      planFile = typeof previous.plan_file === 'string' ? previous.plan_file : join(resumeDir, 'plan.yaml');
      if (planArg) {
        const given = readPlanText(resolve(io.cwd, planArg));
        if (given !== text) throw new UsageError([{ where: '<plan>', message: `differs from the plan the sweep in ${resumeDir} ran`, hint: 'resume with the same plan, or omit PLAN to use its saved copy' }]);
      }
    } else {
      if (!planArg) throw new UsageError([{ where: '<plan>', message: 'missing', hint: 'llmbench sweep PLAN.yaml (or --resume DIR)' }]);
      planFile = resolve(io.cwd, planArg);
      text = readPlanText(planFile);
    }
    const plan = parsePlan(text, planFile, RUN_OPTIONS);
    const devices: number | null = v.devices ?? plan.devices;
    if (v.dryRun) {
      io.stdout(await dryRunText(plan, renderPoints(plan)));
      return 0;
    }
    const name: string = v.name ?? previous?.name ?? basename(planFile, extname(planFile));
    let dir: string;
    if (resumeDir) dir = resumeDir;
    else {
      const base = join(resolve(io.cwd, v.out), `${name}_sweep_${timestampSlug(new Date())}`);
      dir = base;
      for (let i = 2; existsSync(dir); i++) dir = `${base}-${i}`;
    }
    const sweepId = previous?.sweep_id ?? randomUUID();
    const dbPath = resolveDbPath(v.db, io.env, io.cwd);
    const warnings: string[] = [];
    io.stderr(`sweep: ${plan.points.length} point(s) → ${dir}\n`);
    const started = runSweep({
      plan,
      dir,
      name,
      sweepId,
      planFile,
      measure: cliMeasure,
      env: io.env,
      cwd: io.cwd,
      signal: io.signal,
      previous,
      hooks: {
        log: (l) => io.stderr(`${l}\n`),
        onRun: (runDir, result) => {
          if (v.history === false) return;
          const r = recordRun({ dbPath, sweepId }, result, runDir);
          if (!r.ok && !warnings.includes(r.warning)) warnings.push(r.warning);
        },
      },
      onStart: () => writeFileSync(join(dir, 'plan.yaml'), text),
    });
    const result = await started;
    const format = resolveFormat(v);
    // --format json prints sweep.json itself (the table and verdict then go to stderr).
    const human = format === 'json' ? io.stderr : io.stdout;
    human(`\n${renderTable(sweepTable(result), format === 'json' ? 'table' : format)}`);
    human(`${winnerLine(result, plan.sla.length > 0)}\n`);
    if (format === 'json') io.stdout(JSON.stringify(result, null, 2) + '\n');
    if (v.report !== false) {
      for (const c of sweepCharts(result, devices)) {
        if (!c.spec) continue;
        try {
          writeFileSync(join(dir, `${c.name}.svg`), await specToSvg(c.spec));
        } catch (e) {
          warnings.push(`chart ${c.name} not written: ${(e as Error).message}`);
        }
      }
    }
    for (const w of warnings) io.stderr(`warning: ${w}\n`);
    io.stderr(`sweep: ${join(dir, 'sweep.json')}\n`);
    if (result.interrupted) io.stderr(`interrupted: continue with llmbench sweep --resume ${dir}\n`);
    return sweepExitCode(result, plan.sla.length > 0);
  },
};

function readPlanText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError([{ where: file, message: `cannot read the plan (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` }]);
  }
}
