/**
 * `llmbench merge`: one run from the folders of its shards (--shard I/N). The raw records are put on one clock
 * (each shard's records are run-relative to its own start; results.json clock_origin_epoch_ms is that start's
 * wall-clock instant, so shifting by the difference of origins aligns them, to within the machines' clock sync)
 * and every scenario is summarised again from the merged records by the same code as a single run: no statistic
 * is ever combined from the shards' summaries (a p99 of p99s is not a p99). Each shard's client figures are kept.
 */
import { randomUUID } from 'node:crypto';
import { type Problem, UsageError } from '../core/errors.js';
import { type RequestRecord } from '../core/record.js';
import { type RunResult, type ScenarioResult, type Warning } from '../core/result.js';
import { type MeasureWindow, summarizeScenario, type Slo } from '../metrics/summarize.js';
import { restoreQuality } from '../quality/run-quality.js';
import { describeLoad, type LoadSpec } from '../schedules/schedule.js';
import { SHARD_KEYS } from './config.js';
import { addRepeats } from './run.js';
import { renumberSessionRecords } from './sessions.js';
import { byTurn } from '../metrics/by-turn.js';

export interface ShardRun {
  dir: string;
  result: RunResult;
  records: RequestRecord[];
}

interface ShardOf {
  run: ShardRun;
  index: number;
  count: number;
  origin: number;
}

/** The recorded configuration all shards of one run share: everything but the shard keys. */
export function sharedConfig(config: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).filter(([k]) => !(SHARD_KEYS as readonly string[]).includes(k)));
}

/** What must be equal for folders to be shards of one plan: the shared configuration, less where results went. */
function comparable(config: Record<string, unknown>): Record<string, unknown> {
  const c = sharedConfig(config);
  const output = c.output as Record<string, unknown> | undefined;
  if (output && 'out' in output) {
    const { out: _out, ...rest } = output;
    c.output = rest;
  }
  return c;
}

/** Stable JSON (sorted keys), so key order never makes two equal plans differ. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

/** Checks the folders are all the shards of one plan, each once; throws UsageError (exit 2) naming every problem. */
function checkShards(runs: ShardRun[]): ShardOf[] {
  const problems: Problem[] = [];
  const shards: ShardOf[] = [];
  for (const run of runs) {
    const s = run.result.shard as { index?: unknown; count?: unknown } | undefined;
    const origin = run.result.clock_origin_epoch_ms;
    if (!s || typeof s.index !== 'number' || typeof s.count !== 'number') {
      problems.push({ where: run.dir, message: 'is not a shard (its results.json has no shard)', hint: 'merge the folders of one run made with --shard I/N' });
      continue;
    }
    if (typeof origin !== 'number') {
      problems.push({ where: run.dir, message: 'has no clock_origin_epoch_ms: its records cannot be put on a shared clock', hint: 'made by an older llmbench; run the shards again' });
      continue;
    }
    shards.push({ run, index: s.index, count: s.count, origin });
  }
  if (problems.length) throw new UsageError(problems);
  if (!shards.length) throw new UsageError([{ where: 'DIR', message: 'no shard folders given' }]);
  const counts = [...new Set(shards.map((s) => s.count))];
  if (counts.length > 1) problems.push({ where: shards.map((s) => s.run.dir).join(', '), message: `shards of different splits (${shards.map((s) => `${s.index}/${s.count}`).join(', ')})`, hint: 'merge the shards of one run' });
  const ref = shards[0]!;
  const refConfig = canonical(comparable(ref.run.result.config));
  const refPlan = canonical(ref.run.result.plan ?? null);
  for (const s of shards.slice(1)) {
    const cfg = comparable(s.run.result.config);
    if (canonical(cfg) !== refConfig || canonical(s.run.result.plan ?? null) !== refPlan) {
      const a = comparable(ref.run.result.config);
      const keys = [...new Set([...Object.keys(a), ...Object.keys(cfg)])].filter((k) => canonical(a[k]) !== canonical(cfg[k]));
      problems.push({ where: s.run.dir, message: `is a different plan from ${ref.run.dir}${keys.length ? ` (${keys.join(', ')} differ)` : ' (the scenario plans differ)'}`, hint: 'merge only shards of one run' });
    }
  }
  const byIndex = new Map<number, ShardOf[]>();
  for (const s of shards) byIndex.set(s.index, [...(byIndex.get(s.index) ?? []), s]);
  for (const [i, list] of byIndex) if (list.length > 1) problems.push({ where: list.map((s) => s.run.dir).join(', '), message: `overlapping shards: shard ${i}/${list[0]!.count} appears ${list.length} times`, hint: 'give each shard\'s folder once' });
  if (counts.length === 1) {
    const n = counts[0]!;
    const missing = Array.from({ length: n }, (_, i) => i).filter((i) => !byIndex.has(i));
    if (missing.length) problems.push({ where: 'DIR', message: `shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${n}`).join(', ')} missing (${byIndex.size} of ${n} given)`, hint: 'give every shard\'s folder; a shard that failed must be run again' });
  }
  if (problems.length) throw new UsageError(problems);
  return shards.sort((a, b) => a.index - b.index);
}

/** A record moved `shift` ms on the clock (every `*_at` field and chunk time). */
function shifted(r: RequestRecord, shift: number): RequestRecord {
  const m = (t: number | null) => (t === null ? null : t + shift);
  return { ...r, scheduled_at: r.scheduled_at + shift, sent_at: m(r.sent_at), first_token_at: m(r.first_token_at), first_output_at: m(r.first_output_at), ended_at: m(r.ended_at), completed_at: m(r.completed_at), chunk_times: r.chunk_times.map((t) => t + shift), ...(typeof r.phase_started_at === 'number' ? { phase_started_at: r.phase_started_at + shift } : {}) };
}

export interface MergedRun {
  result: RunResult;
  records: RequestRecord[];
}

export function mergeShards(runs: ShardRun[]): MergedRun {
  const shards = checkShards(runs);
  const ref = shards[0]!;
  // Records go onto shard 0's clock.
  const records: RequestRecord[] = [];
  const problems: Problem[] = [];
  const seen = new Map<string, number>();
  for (const s of shards) {
    for (const r of s.run.records) {
      if (!r.warmup) {
        // A conversation's indexes are each shard's own (renumbered below): a turn of a session is what one sends.
        const session = r.session_id !== undefined;
        const key = session ? `${r.scenario_id}\u0000${r.repeat}\u0000s\u0000${r.session_id}\u0000${r.turn}` : `${r.scenario_id}\u0000${r.repeat}\u0000${r.index}`;
        const other = seen.get(key);
        const what = session ? `turn ${r.turn} of session ${r.session_id}` : `request ${r.index}`;
        if (other !== undefined && problems.length < 10) problems.push({ where: s.run.dir, message: `${what} of ${r.scenario_id} (repeat ${r.repeat}) was also sent by shard ${other}: overlapping shards` });
        seen.set(key, s.index);
      }
      records.push(shifted(r, s.origin - ref.origin));
    }
  }
  if (problems.length) throw new UsageError(problems);
  // On one clock now: session records numbered in the send order of the whole run.
  renumberSessionRecords(records);
  const plan = (ref.run.result.plan as Array<{ id: string; dims: ScenarioResult['dims']; load: LoadSpec }> | undefined) ?? [];
  const order = new Map(plan.map((p, i) => [p.id, i]));
  records.sort((a, b) => (order.get(a.scenario_id) ?? 0) - (order.get(b.scenario_id) ?? 0) || a.repeat - b.repeat || a.index - b.index || a.scheduled_at - b.scheduled_at);

  const config = sharedConfig(ref.run.result.config);
  const cfg = config as { percentiles?: number[]; slo?: Slo; load?: { slo?: Slo | null; measureWindow?: MeasureWindow | null }; output?: { percentiles?: number[] } };
  const percentiles = cfg.output?.percentiles ?? [];
  const slo = cfg.load?.slo ?? null;
  const repeats = Math.max(1, ...records.map((r) => r.repeat + 1));
  const scenarios: ScenarioResult[] = [];
  for (const p of plan) {
    const parts = shards.map((s) => ({ s, scen: s.run.result.scenarios.find((x) => x.id === p.id) }));
    const done = parts.filter((x) => x.scen);
    if (!done.length) continue;
    const rs = records.filter((r) => r.scenario_id === p.id);
    const measured = rs.filter((r) => !r.warmup);
    // A batch's clients are its requests, or for conversations its sessions (one first turn each).
    const concurrency = p.load.mode === 'sequential' ? 1 : p.load.mode === 'concurrency' ? p.load.concurrency : p.load.mode === 'batch' ? measured.filter((r) => r.repeat === 0 && (r.turn === undefined || r.turn === 1)).length : null;
    const stats = summarizeScenario(rs, { percentiles, slo, concurrency, measureWindow: cfg.load?.measureWindow ?? null });
    const first = done[0]!.scen!;
    const statuses = done.map((x) => x.scen!.status);
    const warnings: Warning[] = done.flatMap((x) => x.scen!.warnings.map((w) => ({ ...w, message: `shard ${x.s.index}: ${w.message}` })));
    if (done.length < shards.length) warnings.push({ code: 'SHARD_SCENARIO_MISSING', message: `shard${shards.length - done.length > 1 ? 's' : ''} ${parts.filter((x) => !x.scen).map((x) => x.s.index).join(', ')} did not run this scenario` });
    const allFailed = measured.length > 0 && stats.summary.requests_ok === 0;
    const scen: ScenarioResult = {
      id: p.id,
      dims: p.dims,
      workload: first.workload,
      load: first.load ?? { ...p.load, description: describeLoad(p.load) },
      target: first.target,
      status: statuses.includes('interrupted') || done.length < shards.length ? 'interrupted' : allFailed ? 'failed' : 'ok',
      error: allFailed ? { code: 'LLMBENCH_SCENARIO_FAILED', message: `all ${measured.length} requests failed` } : null,
      ...stats,
      // Client overhead is per process: each shard's own figures, never averaged.
      client: { limited: done.some((x) => (x.scen!.client as { limited?: boolean } | undefined)?.limited === true), shards: done.map((x) => ({ index: x.s.index, host: hostOf(x.s.run.result), ...(x.scen!.client ?? {}) })) },
      warnings,
    };
    // --stop-when-saturated: each shard judged its own share; the merged scenario is saturated when any shard was,
    // from the first detection (on shard 0's clock).
    const verdicts = done.filter((x) => typeof x.scen!.saturated === 'boolean');
    if (verdicts.length) {
      const ats = verdicts.filter((x) => x.scen!.saturated === true).map((x) => (x.scen!.saturated_at_ms as number) + x.s.origin - ref.origin);
      scen.saturated = ats.length > 0;
      scen.saturated_at_ms = ats.length ? Math.min(...ats) : null;
      scen.saturation = { ...(first.saturation as object), shards: verdicts.map((x) => ({ index: x.s.index, saturated: x.scen!.saturated, ...(x.scen!.saturation as object) })) };
    }
    if (repeats > 1) addRepeats(scen, rs, { repeats, percentiles, slo, measureWindow: cfg.load?.measureWindow ?? null }, concurrency);
    restoreQuality(scen, rs, first);
    // Conversations: per-turn figures from the merged records, like every other statistic.
    if ('by_turn' in first) scen.by_turn = byTurn(rs, percentiles);
    // Every shard computed it over the whole schedule (docs/metrics.md), so any shard's value is the run's.
    if ('prefix_cache_hit_rate_max' in first) scen.prefix_cache_hit_rate_max = first.prefix_cache_hit_rate_max;
    scenarios.push(scen);
  }
  const times = (k: 'started_at' | 'finished_at') => shards.map((s) => s.run.result[k]).filter((t): t is string => typeof t === 'string').sort();
  const started = times('started_at');
  const finished = times('finished_at');
  const r = ref.run.result;
  const result: RunResult = {
    schema: r.schema,
    metrics_spec: r.metrics_spec,
    tool: r.tool,
    run_id: randomUUID(),
    name: r.name,
    started_at: started[0] ?? r.started_at,
    finished_at: finished.length === shards.length ? finished[finished.length - 1]! : null,
    interrupted: shards.some((s) => s.run.result.interrupted),
    config,
    environment: r.environment,
    target: r.target,
    plan: r.plan,
    scenarios,
    client: { limited: scenarios.some((s) => (s.client as { limited?: boolean }).limited) },
    warnings: shards.flatMap((s) => s.run.result.warnings.map((w) => ({ ...w, message: `shard ${s.index}: ${w.message}` }))),
    clock_origin_epoch_ms: ref.origin,
    start_at: r.start_at ?? null,
    merged_from: shards.map((s) => ({
      index: s.index,
      count: s.count,
      dir: s.run.dir,
      run_id: s.run.result.run_id,
      host: hostOf(s.run.result),
      clock_sync: (s.run.result.environment as { clock_sync?: unknown }).clock_sync ?? null,
      clock_origin_epoch_ms: s.origin,
      started_at: s.run.result.started_at,
      finished_at: s.run.result.finished_at,
      requests: s.run.records.filter((x) => !x.warmup).length,
    })),
  };
  return { result, records };
}

function hostOf(r: RunResult): string | null {
  const h = (r.environment as { hostname?: unknown }).hostname;
  return typeof h === 'string' ? h : null;
}
