/**
 * Rebuilds results.json from requests.jsonl after a hard crash (kill -9, power loss): the first results.json
 * written at the start holds the configuration and the scenario plan, and requests.jsonl holds every request
 * that finished; summaries are derived from those exactly as at the end of a normal run.
 */
import { type RequestRecord } from '../core/record.js';
import { type RunResult, type ScenarioResult } from '../core/result.js';
import { type MeasureWindow, summarizeScenario, type Slo } from '../metrics/summarize.js';
import { closedLoopClients, describeLoad, type LoadSpec } from '../schedules/schedule.js';
import { restoreQuality } from '../quality/run-quality.js';

/**
 * Pure: the run as loaded from its folder (src/reports/inputs.ts `loadRunDir`, the one reader of result folders)
 * in, the rebuilt result out; the caller writes it back.
 */
export function rebuildResult(base: RunResult, records: readonly RequestRecord[]): RunResult {
  const plan = (base.plan as Array<{ id: string; dims: ScenarioResult['dims']; load: LoadSpec }> | undefined) ?? [];
  const cfg = base.config as { percentiles?: number[]; slo?: Slo; load?: { measureWindow?: MeasureWindow | null } };
  const done = new Map(base.scenarios.map((s) => [s.id, s]));
  const scenarios: ScenarioResult[] = [];
  for (const p of plan) {
    const rs = records.filter((r) => r.scenario_id === p.id);
    if (!rs.length) continue;
    const prev = done.get(p.id);
    const concurrency = closedLoopClients(p.load, rs.filter((r) => !r.warmup && r.repeat === 0).length);
    const stats = summarizeScenario(rs, { percentiles: cfg.percentiles ?? [], slo: cfg.slo ?? null, concurrency, measureWindow: cfg.load?.measureWindow ?? null });
    const measured = rs.filter((r) => !r.warmup);
    const scenario: ScenarioResult = {
      ...(prev ?? {}),
      id: p.id,
      dims: p.dims,
      workload: prev?.workload ?? {},
      load: prev?.load ?? { ...p.load, description: describeLoad(p.load) },
      status: prev?.status ?? (measured.some((r) => r.status === 'ok') ? 'interrupted' : 'failed'),
      ...stats,
      warnings: [...(prev?.warnings ?? []), ...(prev ? [] : [{ code: 'REBUILT', message: 'rebuilt from requests.jsonl after the run stopped early' }])],
    };
    restoreQuality(scenario, rs, prev);
    scenarios.push(scenario);
  }
  return { ...base, scenarios, interrupted: base.finished_at === null ? true : base.interrupted, rebuilt_at: new Date().toISOString() };
}
