/**
 * `scenarios[].cache_state`: whether a scenario started with the server's prefix cache flushed, and how
 * (docs/metrics.md "Cache state"): `flushed` (how: the endpoint, or nothing to flush), `not_flushable` (why:
 * no endpoint known for this server, or the endpoint refused), or `kept` (--no-cache-reset). The server's
 * prefix-cache counters at the scenario's first and last metrics scrape (after the flush, at the end) sit
 * beside it, null where the server exports none.
 */
import { type ScenarioResult } from '../core/result.js';
import { type OpenedTarget } from './run.js';

export interface CacheState {
  state: 'flushed' | 'not_flushable' | 'kept';
  how: string | null;
  why: string | null;
  prefix_cache_hits_before: number | null;
  prefix_cache_hits_after: number | null;
  prefix_cache_queries_before: number | null;
  prefix_cache_queries_after: number | null;
}

type Pending = Pick<CacheState, 'state' | 'how' | 'why'>;

/** Flushes where asked and possible (before the scenario's monitors start); says what was done. */
export async function recordCacheState(opened: OpenedTarget, cacheReset: boolean): Promise<Pending> {
  if (!cacheReset) return { state: 'kept', how: null, why: null };
  const flush = opened.cacheFlush ?? null;
  if (!opened.resetCache) return { state: 'not_flushable', how: null, why: flush && 'why' in flush ? flush.why : 'this target has no way to flush its prefix cache' };
  const ok = await opened.resetCache().catch(() => false);
  const how = flush && 'how' in flush ? flush.how : 'endpoint';
  return ok ? { state: 'flushed', how, why: null } : { state: 'not_flushable', how: null, why: `${how} did not answer with success` };
}

/** The pending state plus the counters the scenario's server metrics saw. */
export function finishCacheState(p: Pending, scen: ScenarioResult): CacheState {
  const sm = (scen.server_metrics as { summary?: Record<string, number | null> } | undefined)?.summary ?? {};
  const v = (k: string) => (typeof sm[k] === 'number' ? sm[k]! : null);
  return {
    ...p,
    prefix_cache_hits_before: v('prefix_cache_hits_start'),
    prefix_cache_hits_after: v('prefix_cache_hits_end'),
    prefix_cache_queries_before: v('prefix_cache_queries_start'),
    prefix_cache_queries_after: v('prefix_cache_queries_end'),
  };
}
