/** Fixture result folders for the dashboard tests: the hand-checked runs a, b and evil, a sweep, a history database. */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { insertRun, openHistory } from '../../src/store/history.js';
import { type RunResult } from '../../src/core/result.js';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'runs');
export const RUN_A = '20261123-100000-aaaa';
export const RUN_B = '20261123-110000-bbbb';
export const RUN_EVIL = '20261123-120000-eeee';
export const SWEEP_ID = 'tune_sweep_20261124_090000';

export function sweepJson(): Record<string, unknown> {
  const load = (c: number, tput: number, perUser: number, ttft: number, meets: boolean) => ({
    load: { concurrency: c },
    run_dir: `point-x/c${c}`,
    summary: { output_token_throughput: tput, output_tokens_per_client: perUser },
    sla: { 'ttft_ms.p99': { limit: '<= 500', value: ttft, margin: Number(((500 - ttft) / 500).toFixed(4)) } },
    meets,
  });
  return {
    schema: 'llmbench.sweep/v1',
    name: 'tune',
    started_at: '2026-11-24T09:00:00.000Z',
    plan: { devices: 2, sla: { 'ttft_ms.p99': '<= 500' }, search: { over: 'concurrency', min: 1, max: 64 } },
    points: [
      { parameters: { max_num_seqs: 64 }, status: 'ok', startup_s: 12.5, loads: [load(1, 100, 100, 120, true), load(2, 190, 95, 300, true), load(4, 300, 75, 620, false), load(3, 260, 86.6667, 450, true)], feasible_max: { concurrency: 3 }, infeasible_min: { concurrency: 4 } },
      { parameters: { max_num_seqs: 128 }, status: 'ok', startup_s: 13.1, loads: [load(1, 98, 98, 110, true), load(2, 200, 100, 200, true), load(4, 360, 90, 480, true), load(8, 500, 62.5, 900, false), load(6, 420, 70, 700, false), load(5, 400, 80, 520, false)], feasible_max: { concurrency: 4 }, infeasible_min: { concurrency: 5 } },
      { parameters: { max_num_seqs: 256 }, status: 'server_failed', reason: 'exited with code 1 before ready', server_log_tail: 'CUDA out of memory <script>alert("sweep")</script>', loads: [] },
    ],
    best: { parameters: { max_num_seqs: 128 }, load: { concurrency: 4 }, output_token_throughput: 360 },
    ranking: [{ parameters: { max_num_seqs: 128 } }, { parameters: { max_num_seqs: 64 } }],
  };
}

/** A results folder with copies of runs a, b and evil, and one sweep; a history database recording a and b. */
export function makeResults(): { root: string; db: string } {
  const base = mkdtempSync(join(tmpdir(), 'llmbench-dash-'));
  const root = join(base, 'results');
  for (const r of ['a', 'b', 'evil']) cpSync(join(FIXTURES, r), join(root, `run-${r}`), { recursive: true });
  const sweep = join(root, SWEEP_ID);
  mkdirSync(join(sweep, 'point-0'), { recursive: true });
  writeFileSync(join(sweep, 'sweep.json'), JSON.stringify(sweepJson(), null, 2));
  const db = join(base, 'history.db');
  const h = openHistory(db);
  for (const r of ['a', 'b']) insertRun(h, JSON.parse(readFileSync(join(root, `run-${r}`, 'results.json'), 'utf8')) as RunResult, join(root, `run-${r}`));
  h.close();
  return { root, db };
}

export const RUN_EVIL2 = 'evil-"><svg onload=alert(4)>';

/**
 * A results folder of hostile strings only: the committed evil fixture, a copy of it whose run id, name, scenario
 * ids, error text and output try to break out of attributes, script blocks (`</script>`, U+2028) and URLs, and a
 * sweep whose parameters and log do the same.
 */
export function makeHostileResults(): { root: string } {
  const base = mkdtempSync(join(tmpdir(), 'llmbench-dash-evil-'));
  const root = join(base, 'results');
  cpSync(join(FIXTURES, 'evil'), join(root, 'run-evil'), { recursive: true });
  const r = JSON.parse(readFileSync(join(FIXTURES, 'evil', 'results.json'), 'utf8')) as RunResult;
  const scen = '<img src=x onerror=alert(6)>';
  r.run_id = RUN_EVIL2;
  r.name = '</script><script>alert(5)</script>\u2028\u2029';
  r.started_at = '2026-11-22T10:00:00.000Z';
  r.scenarios[0]!.id = scen;
  r.scenarios[0]!.warnings = [{ code: '<b>W</b>', message: '<script>alert(7)</script>', hint: 'javascript:alert(8)' }];
  r.config = { ...r.config, url: 'javascript:alert(9)', 'key"><script>alert(10)</script>': '</pre><script>alert(11)</script>' };
  const dir = join(root, 'run-evil2');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'results.json'), JSON.stringify(r, null, 2));
  const lines = readFileSync(join(FIXTURES, 'evil', 'requests.jsonl'), 'utf8').trim().split('\n').map((l) => {
    const rec = JSON.parse(l) as Record<string, unknown>;
    if (rec.scenario_id === 'in8_out4_c1') rec.scenario_id = scen;
    rec.output_text = '</script><script>alert(12)</script>\u2028<iframe src="javascript:alert(13)">';
    rec.status = rec.index === 1 ? 'error' : rec.status;
    if (rec.index === 1) rec.error = { kind: 'http', message: '<img src=x onerror=alert(14)>', http_status: 500 };
    return JSON.stringify(rec);
  });
  writeFileSync(join(dir, 'requests.jsonl'), lines.join('\n') + '\n');
  const sweep = sweepJson();
  (sweep.points as Array<Record<string, unknown>>)[0]!.parameters = { '<script>alert(15)</script>': '"><img src=x onerror=alert(16)>' };
  sweep.name = '<svg onload=alert(17)>';
  mkdirSync(join(root, SWEEP_ID), { recursive: true });
  writeFileSync(join(root, SWEEP_ID, 'sweep.json'), JSON.stringify(sweep));
  return { root };
}
