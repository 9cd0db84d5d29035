/**
 * Prometheus text exposition format (version 0.0.4, and the OpenMetrics subset servers actually emit):
 * `# HELP name text`, `# TYPE name type`, and samples `name{label="value",...} value [timestamp]`.
 * Source: prometheus.io/docs/instrumenting/exposition_formats (label values escape `\\`, `\"`, `\n`;
 * HELP text escapes `\\` and `\n`; values are Go floats incl. `NaN`, `+Inf`, `-Inf`).
 *
 * Pure functions only: the scraper lives in the monitors that use it.
 */

export type PromType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped' | 'info' | 'gaugehistogram' | 'stateset' | 'unknown';

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** Sample timestamp (ms since epoch) when the exporter wrote one. */
  timestamp_ms: number | null;
}

export interface PromScrape {
  samples: PromSample[];
  /** Declared `# TYPE` per family name. */
  types: Map<string, PromType>;
  help: Map<string, string>;
  /** Lines that could not be parsed (kept so a caller can report them; the rest of the scrape is still used). */
  bad_lines: number;
}

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*/;

export function parsePromValue(raw: string): number {
  switch (raw) {
    case 'NaN':
      return NaN;
    case '+Inf':
    case 'Inf':
    case '+inf':
    case 'inf':
      return Infinity;
    case '-Inf':
    case '-inf':
      return -Infinity;
  }
  // Number('') is 0, Number('0x10') is 16: neither is a Prometheus float.
  if (raw === '' || /^[+-]?0[xX]/.test(raw)) return NaN;
  return Number(raw);
}

function unescapeHelp(s: string): string {
  return s.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
}

/** Parses one sample line; returns null when it is malformed. */
export function parseSampleLine(line: string): PromSample | null {
  const m = NAME_RE.exec(line);
  if (!m) return null;
  const name = m[0];
  let i = name.length;
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    for (;;) {
      while (line[i] === ' ' || line[i] === '\t' || line[i] === ',') i++;
      if (line[i] === '}') {
        i++;
        break;
      }
      const lm = LABEL_NAME_RE.exec(line.slice(i));
      if (!lm) return null;
      i += lm[0].length;
      while (line[i] === ' ') i++;
      if (line[i] !== '=') return null;
      i++;
      while (line[i] === ' ') i++;
      if (line[i] !== '"') return null;
      i++;
      let v = '';
      for (;;) {
        const c = line[i];
        if (c === undefined) return null;
        if (c === '\\') {
          const n = line[i + 1];
          v += n === 'n' ? '\n' : n === '"' ? '"' : n === '\\' ? '\\' : `\\${n ?? ''}`;
          i += 2;
          continue;
        }
        if (c === '"') {
          i++;
          break;
        }
        v += c;
        i++;
      }
      labels[lm[0]] = v;
    }
  }
  const rest = line.slice(i).trim().split(/[ \t]+/);
  if (rest.length < 1 || rest[0] === '' || rest.length > 2) return null;
  const value = parsePromValue(rest[0]!);
  if (Number.isNaN(value) && rest[0] !== 'NaN') return null;
  let ts: number | null = null;
  if (rest.length === 2) {
    ts = Number(rest[1]);
    if (!Number.isFinite(ts)) return null;
  }
  return { name, labels, value, timestamp_ms: ts };
}

export function parsePrometheusText(text: string): PromScrape {
  const out: PromScrape = { samples: [], types: new Map(), help: new Map(), bad_lines: 0 };
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^#\s*(HELP|TYPE)\s+([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(.*)$/.exec(line);
      if (!m) continue; // plain comment, `# EOF`
      if (m[1] === 'TYPE') out.types.set(m[2]!, (m[3]!.trim().toLowerCase() || 'untyped') as PromType);
      else out.help.set(m[2]!, unescapeHelp(m[3]!));
      continue;
    }
    const s = parseSampleLine(line);
    if (s) out.samples.push(s);
    else out.bad_lines++;
  }
  return out;
}

/** Family a sample belongs to: strips `_bucket/_sum/_count/_total/_created` when the base name has a declared type. */
export function familyOf(scrape: PromScrape, sampleName: string): string {
  if (scrape.types.has(sampleName)) return sampleName;
  for (const suf of ['_bucket', '_sum', '_count', '_total', '_created', '_info']) {
    if (sampleName.endsWith(suf)) {
      const base = sampleName.slice(0, -suf.length);
      if (scrape.types.has(base)) return base;
    }
  }
  return sampleName;
}

export type LabelFilter = Record<string, string>;

function matches(labels: Record<string, string>, filter: LabelFilter | undefined): boolean {
  if (!filter) return true;
  for (const [k, v] of Object.entries(filter)) if (labels[k] !== v) return false;
  return true;
}

/**
 * Sum of every sample named `name` (over all label sets that match `filter`), or null when there is none.
 * Summing is right for counters split by label (vLLM `request_success_total{finished_reason}`) and for
 * per-model gauges of a single-model server; NaN samples are skipped.
 */
export function sumSamples(scrape: PromScrape, name: string, filter?: LabelFilter): number | null {
  let total: number | null = null;
  for (const s of scrape.samples) {
    if (s.name !== name || !matches(s.labels, filter) || Number.isNaN(s.value)) continue;
    total = (total ?? 0) + s.value;
  }
  return total;
}

export interface HistogramValue {
  sum: number;
  count: number;
  /** Cumulative bucket counts by upper bound, ascending; the last bound is +Inf. */
  buckets: Array<[number, number]>;
}

/** A histogram family (`base_bucket/_sum/_count`) summed over label sets other than `le`; null when absent. */
export function histogram(scrape: PromScrape, base: string, filter?: LabelFilter): HistogramValue | null {
  const sum = sumSamples(scrape, `${base}_sum`, filter);
  const count = sumSamples(scrape, `${base}_count`, filter);
  if (sum === null || count === null) return null;
  const byLe = new Map<number, number>();
  for (const s of scrape.samples) {
    if (s.name !== `${base}_bucket` || !matches(s.labels, filter) || s.labels.le === undefined) continue;
    const le = parsePromValue(s.labels.le);
    if (Number.isNaN(le)) continue;
    byLe.set(le, (byLe.get(le) ?? 0) + s.value);
  }
  const buckets = [...byLe.entries()].sort((a, b) => a[0] - b[0]);
  return { sum, count, buckets };
}

/**
 * Quantile from cumulative buckets, interpolating linearly inside the bucket, as PromQL's histogram_quantile
 * does (prometheus/promql/quantile.go): the lowest bucket starts at 0, a quantile in the +Inf bucket returns the
 * highest finite bound. Null when the histogram holds no observations.
 */
export function histogramQuantile(q: number, buckets: Array<[number, number]>): number | null {
  if (buckets.length === 0) return null;
  const total = buckets[buckets.length - 1]![1];
  if (!(total > 0)) return null;
  const rank = q * total;
  let prevBound = 0;
  let prevCount = 0;
  for (let i = 0; i < buckets.length; i++) {
    const [bound, count] = buckets[i]!;
    if (count >= rank) {
      if (bound === Infinity) return i > 0 ? buckets[i - 1]![0] : null;
      if (count === prevCount) return bound;
      return prevBound + ((bound - prevBound) * (rank - prevCount)) / (count - prevCount);
    }
    prevBound = bound;
    prevCount = count;
  }
  return null;
}

/** Difference of two cumulative histograms (end − start), bucket by bucket; a counter reset keeps `end`. */
export function histogramDelta(start: HistogramValue | null, end: HistogramValue | null): HistogramValue | null {
  if (!end) return null;
  if (!start || end.count < start.count) return end;
  const startByLe = new Map(start.buckets);
  return {
    sum: end.sum - start.sum,
    count: end.count - start.count,
    buckets: end.buckets.map(([le, c]) => [le, c - (startByLe.get(le) ?? 0)] as [number, number]),
  };
}
