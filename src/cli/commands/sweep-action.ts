/**
 * What `llmbench sweep` does once its flags are parsed (./sweep.ts has its options and help): read and check the
 * plan, run it with run's flags mapped to a RunConfig (RUN_FLAGS), record each run in the history with the sweep
 * id, print the table and the winner, draw the charts, and map the outcome to an exit code.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { type CliIO } from '../command.js';
import { type ParsedArgs } from '../option.js';
import { RUN_FLAGS } from '../run-config.js';
import { resolveFormat } from '../options/report.js';
import { UsageError } from '../../core/errors.js';
import { parsePlan } from '../../sweep/plan.js';
import { benchmarkMeasure } from '../../sweep/measure.js';
import { runSweep, sweepExitCode } from '../../sweep/run-sweep.js';
import { type SweepResult } from '../../sweep/result.js';
import { dryRunText, renderPoints, sweepTable, winnerLine } from '../../sweep/render.js';
import { sweepCharts } from '../../sweep/charts.js';
import { specToSvg } from '../../reports/charts/render.js';
import { renderTable } from '../../reports/table.js';
import { timestampSlug } from '../../runner/output.js';
import { recordRun } from '../../store/history.js';
import { resolveDbPath } from '../../store/paths.js';

export async function runSweepCommand(args: ParsedArgs, io: CliIO): Promise<number> {
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
  const plan = parsePlan(text, planFile, RUN_FLAGS);
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
    measure: benchmarkMeasure(RUN_FLAGS),
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
}

function readPlanText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError([{ where: file, message: `cannot read the plan (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` }]);
  }
}
