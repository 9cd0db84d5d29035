/**
 * The live view's server-sent event stream (`/api/live/events`). Each connection polls the result folders:
 * a run whose heartbeat is fresh is announced (`started`), its growing requests.jsonl is tailed from where the
 * last poll stopped (`records`, only whole lines: the runner appends one line per finished request), its
 * results.json gives the scenario progress (`progress`), and when its heartbeat goes the run is `ended`.
 * EventSource cannot send headers, so this stream is authorised like the pages (the cookie).
 */
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import { join } from 'node:path';
import { type ServerResponse } from 'node:http';
import { type RequestRecord } from '../core/record.js';
import { type DashboardData } from './data.js';

/** What the live page needs of a record. Times are ms since the run started. */
export interface LiveRecord {
  scenario_id: string;
  repeat: number;
  index: number;
  warmup: boolean;
  status: string;
  t_ms: number | null;
  ttft_ms: number | null;
  tpot_ms: number | null;
  output_tokens: number | null;
  error: string | null;
}

export function liveRecord(r: RequestRecord): LiveRecord {
  return {
    scenario_id: r.scenario_id,
    repeat: r.repeat ?? 0,
    index: r.index,
    warmup: !!r.warmup,
    status: r.status,
    t_ms: r.ended_at ?? r.sent_at ?? null,
    ttft_ms: r.ttft_ms ?? null,
    tpot_ms: r.tpot_ms ?? null,
    output_tokens: r.output_tokens ?? null,
    error: r.error ? `${r.error.kind}: ${r.error.message}` : null,
  };
}

/** Reads the whole lines appended to a file since `offset`; returns them and the new offset (after the last newline). */
export function readNewLines(file: string, offset: number): { lines: string[]; offset: number } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return { lines: [], offset };
  }
  try {
    const size = fstatSync(fd).size;
    if (size <= offset) return { lines: [], offset: size < offset ? 0 : offset };
    const buf = Buffer.alloc(size - offset);
    const n = readSync(fd, buf, 0, buf.length, offset);
    const text = buf.subarray(0, n);
    const last = text.lastIndexOf(0x0a);
    if (last < 0) return { lines: [], offset };
    return { lines: text.subarray(0, last).toString('utf8').split('\n').filter((l) => l.trim() !== ''), offset: offset + last + 1 };
  } finally {
    closeSync(fd);
  }
}

interface Tracked {
  id: string;
  dir: string;
  offset: number;
  requests: number;
  failed: number;
  lastProgress: string;
}

export class LiveStream {
  private timer: NodeJS.Timeout | null = null;
  private readonly tracked = new Map<string, Tracked>();
  private ticks = 0;
  private stopped = false;

  constructor(private readonly data: DashboardData, private readonly res: ServerResponse, private readonly pollMs: number) {}

  start(): void {
    this.res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
    this.res.write('retry: 2000\n\n');
    this.tick();
    this.timer = setInterval(() => this.tick(), this.pollMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private send(event: string, data: unknown): void {
    if (this.stopped) return;
    this.res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private drain(t: Tracked): void {
    const { lines, offset } = readNewLines(join(t.dir, 'requests.jsonl'), t.offset);
    t.offset = offset;
    const recs: LiveRecord[] = [];
    for (const l of lines) {
      try {
        const r = JSON.parse(l) as RequestRecord;
        if (!r || typeof r.scenario_id !== 'string') continue;
        recs.push(liveRecord(r));
      } catch {
        // a line cut by a crash: skipped, as every reader of requests.jsonl does
      }
    }
    for (const r of recs) {
      if (r.warmup) continue;
      t.requests++;
      if (r.status !== 'ok') t.failed++;
    }
    if (recs.length) this.send('records', { id: t.id, records: recs });
    const result = this.data.readResult(t.dir);
    const planned = Array.isArray(result?.plan) ? (result.plan as unknown[]).length : null;
    // Measured requests the whole run will send, when --requests fixed it (a --duration run has no such number).
    // results.json `config` is the RunConfig (load settings under `load`); runs written before it kept flags flat.
    const cfg = (result?.config ?? {}) as Record<string, unknown>;
    const load = (cfg.load ?? {}) as Record<string, unknown>;
    const perScenario = typeof load.requests === 'number' ? load.requests : typeof cfg.requests === 'number' ? cfg.requests : null;
    const repeats = typeof load.repeat === 'number' ? load.repeat : typeof cfg.repeat === 'number' ? cfg.repeat : 1;
    const progress = {
      id: t.id,
      name: result?.name ?? '',
      scenarios_done: result?.scenarios.length ?? 0,
      scenarios_total: planned,
      requests: t.requests,
      requests_total: planned !== null && perScenario !== null ? planned * perScenario * repeats : null,
      failed: t.failed,
    };
    const key = JSON.stringify(progress);
    if (key !== t.lastProgress) {
      t.lastProgress = key;
      this.send('progress', progress);
    }
  }

  tick(): void {
    if (this.stopped) return;
    try {
      const live = this.data.live();
      const ids = new Set(live.map((l) => l.id));
      for (const l of live) {
        if (this.tracked.has(l.id)) continue;
        const t: Tracked = { id: l.id, dir: l.dir, offset: 0, requests: 0, failed: 0, lastProgress: '' };
        this.tracked.set(l.id, t);
        this.send('started', { id: l.id, name: l.name, started_at: l.started_at });
      }
      for (const t of [...this.tracked.values()]) {
        this.drain(t);
        if (!ids.has(t.id)) {
          this.tracked.delete(t.id);
          const r = this.data.readResult(t.dir);
          this.send('ended', { id: t.id, interrupted: r?.interrupted ?? null, finished_at: r?.finished_at ?? null });
        }
      }
      // A comment now and then keeps proxies and idle timers from closing a quiet stream.
      if (++this.ticks % 20 === 0) this.res.write(': ping\n\n');
    } catch (e) {
      this.send('error', { message: (e as Error).message });
    }
  }
}
