/**
 * The dashboard's pages: pure renderers returning HTML strings. Every recorded string (run names, model names,
 * model output, server errors, sweep parameters) goes through escapeHtml, and data for the page script goes in
 * `<script type="application/json">` blocks with `<`, `>` and `&` written as \u escapes, so nothing recorded can
 * close the block or run. The page script (assets/dashboard/dashboard.js) is the only script a page loads.
 */
import { type RunResult } from '../core/result.js';
import { type RequestRecord } from '../core/record.js';
import { escapeHtml, htmlTable } from '../reports/html.js';
import { scenarioTable, summaryTable } from '../reports/run-tables.js';
import { compareTable, type Comparison } from '../reports/compare.js';
import { cellText, formatNumber, type Table } from '../reports/table.js';
import { buildCharts } from '../reports/charts/index.js';
import { overviewChart } from '../reports/charts/overview.js';
import { latencyCdfChart } from '../reports/charts/latency.js';
import { loadCurveChart } from '../reports/charts/load.js';
import { memoryChart } from '../reports/charts/memory.js';
import { type ChartDef, type RunInput } from '../reports/charts/common.js';
import { VERSION } from '../core/version.js';
import { interactiveSpec } from './charts.js';
import { type LiveRun, type RunRow, type SweepRow } from './data.js';
import { paretoChart, sweepView } from './sweeps.js';
import { ALPHA, MIN_SAMPLES, type RequestTest } from './significance.js';

/** JSON safe inside a script element and an HTML attribute. */
export function jsonForHtml(v: unknown): string {
  return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const NAV: ReadonlyArray<readonly [string, string]> = [['/', 'Runs'], ['/sweeps', 'Sweeps'], ['/live', 'Live']];

export function layout(title: string, active: string, body: string, pageData: unknown = null): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<link rel="icon" href="data:,">',
    `<title>${escapeHtml(title)} · llmbench dashboard</title>`,
    '<link rel="stylesheet" href="/static/dashboard.css">',
    '<script src="/static/vega.min.js" defer></script>',
    '<script src="/static/vega-lite.min.js" defer></script>',
    '<script src="/static/dashboard.js" defer></script>',
    '</head><body>',
    `<header><a class="brand" href="/">llmbench dashboard</a><nav>${NAV.map(([href, label]) => `<a href="${href}"${label === active ? ' aria-current="page"' : ''}>${label}</a>`).join('')}</nav><span class="version">${escapeHtml(VERSION)}</span></header>`,
    `<main>${body}</main>`,
    `<script type="application/json" id="page-data">${jsonForHtml(pageData)}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}

export function errorPage(status: number, message: string): string {
  return layout(`${status}`, '', `<h1>${status}</h1><p class="error">${escapeHtml(message)}</p><p><a href="/">all runs</a></p>`);
}

/** A chart figure: its interactive spec for the page script, or the reason it is absent. */
export function chartFigure(def: ChartDef, records: RequestRecord[] = [], extraClass = ''): string {
  const spec = interactiveSpec(def, records);
  const head = `<figure class="chart${extraClass ? ` ${extraClass}` : ''}" data-chart="${escapeHtml(def.name)}"><figcaption>${escapeHtml(def.title)}</figcaption>`;
  if (!spec) return `${head}<p class="absent">${escapeHtml(def.absent ?? 'nothing to draw')}</p></figure>`;
  return `${head}<div class="vega" role="img" aria-label="${escapeHtml(def.title)}"></div><script type="application/json" class="spec">${jsonForHtml(spec)}</script></figure>`;
}

// ---- Runs ----------------------------------------------------------------------------------------------------

export const RUN_COLUMNS: ReadonlyArray<{ key: keyof RunRow; title: string; kind: 'text' | 'num' | 'bytes' }> = [
  { key: 'name', title: 'name', kind: 'text' },
  { key: 'model', title: 'model', kind: 'text' },
  { key: 'target', title: 'target', kind: 'text' },
  { key: 'engine', title: 'engine', kind: 'text' },
  { key: 'started_at', title: 'date (UTC)', kind: 'text' },
  { key: 'status', title: 'status', kind: 'text' },
  { key: 'output_token_throughput', title: 'out tok/s', kind: 'num' },
  { key: 'ttft_ms_p50', title: 'TTFT p50 (ms)', kind: 'num' },
  { key: 'ttft_ms_p99', title: 'TTFT p99 (ms)', kind: 'num' },
  { key: 'tpot_ms_p50', title: 'TPOT p50 (ms)', kind: 'num' },
  { key: 'tpot_ms_p90', title: 'TPOT p90 (ms)', kind: 'num' },
  { key: 'accuracy', title: 'accuracy', kind: 'num' },
  { key: 'peak_memory_bytes', title: 'peak memory', kind: 'bytes' },
];

export function formatBytes(v: number | null): string {
  if (v === null) return 'n/a';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let x = v;
  let i = 0;
  while (x >= 1024 && i < units.length - 1) (x /= 1024), i++;
  return `${i === 0 ? x : x.toFixed(1)} ${units[i]}`;
}

function cellFor(kind: 'text' | 'num' | 'bytes', v: unknown): string {
  if (v === null || v === undefined || v === '') return '<td class="na">n/a</td>';
  if (kind === 'num') return `<td class="num">${escapeHtml(formatNumber(v as number, kind === 'num' && Math.abs(v as number) < 1 ? 4 : 2))}</td>`;
  if (kind === 'bytes') return `<td class="num">${escapeHtml(formatBytes(v as number))}</td>`;
  return `<td class="text">${escapeHtml(v)}</td>`;
}

function shortDate(iso: string | null): string | null {
  return iso ? iso.replace('T', ' ').replace(/(:\d\d)(\.\d+)?Z$/, '$1') : null;
}

export function runsPage(rows: RunRow[]): string {
  const models = [...new Set(rows.map((r) => r.model).filter((m): m is string => !!m))].sort();
  const targets = [...new Set(rows.map((r) => r.target).filter((m): m is string => !!m))].sort();
  const opts = (vals: string[]) => vals.map((v) => `<option value="${escapeHtml(v)}">${escapeHtml(v)}</option>`).join('');
  const filters = `<form class="filters" id="filters" role="search">
<label>text <input type="search" id="f-text" placeholder="name, model, target, id"></label>
<label>model <select id="f-model"><option value="">any</option>${opts(models)}</select></label>
<label>target <select id="f-target"><option value="">any</option>${opts(targets)}</select></label>
<label>from <input type="date" id="f-from"></label>
<label>to <input type="date" id="f-to"></label>
<button type="button" id="compare-selected" disabled>Compare selected</button>
<span id="shown-count" aria-live="polite">${rows.length} of ${rows.length} runs</span>
</form>`;
  const head = `<tr><th scope="col"><span class="sr">select</span></th>${RUN_COLUMNS.map((c) => `<th scope="col" aria-sort="none"><button type="button" class="sort" data-key="${c.key}">${escapeHtml(c.title)}</button></th>`).join('')}</tr>`;
  const body = rows.map((r) => {
    const data = { id: r.id, name: r.name, model: r.model, target: r.target, engine: r.engine, started_at: r.started_at, status: r.status, output_token_throughput: r.output_token_throughput, ttft_ms_p50: r.ttft_ms_p50, ttft_ms_p99: r.ttft_ms_p99, tpot_ms_p50: r.tpot_ms_p50, tpot_ms_p90: r.tpot_ms_p90, accuracy: r.accuracy, peak_memory_bytes: r.peak_memory_bytes };
    const label = r.name || r.id;
    const cells = RUN_COLUMNS.map((c) => {
      if (c.key === 'name') {
        const expand = r.scenarios.length ? `<button type="button" class="expand" aria-expanded="false" aria-label="show the ${r.scenarios.length} scenarios of ${escapeHtml(label)}">▸</button> ` : '';
        return `<td class="name">${expand}<a href="/runs/${encodeURIComponent(r.id)}">${escapeHtml(label)}</a><div class="id">${escapeHtml(r.id)}</div></td>`;
      }
      if (c.key === 'started_at') return cellFor('text', shortDate(r.started_at));
      if (c.key === 'status') return `<td><span class="status status-${escapeHtml(r.status)}">${escapeHtml(r.status)}</span></td>`;
      return cellFor(c.kind, r[c.key]);
    }).join('');
    const scen = r.scenarios.map((s) => `<tr class="scenario" data-parent="${escapeHtml(r.id)}" hidden><td></td>${RUN_COLUMNS.map((c) => {
      if (c.key === 'name') return `<td class="scen-name">${escapeHtml(s.id)}</td>`;
      if (c.key === 'status') return `<td>${escapeHtml(s.status)}</td>`;
      if (c.kind === 'text') return '<td></td>';
      return cellFor(c.kind, (s as unknown as Record<string, unknown>)[c.key]);
    }).join('')}</tr>`).join('');
    return `<tbody class="run" data-id="${escapeHtml(r.id)}" data-row="${escapeHtml(jsonForHtml(data))}"><tr class="run-row"><td><input type="checkbox" class="pick" aria-label="select ${escapeHtml(label)}" value="${escapeHtml(r.id)}"></td>${cells}</tr>${scen}</tbody>`;
  }).join('\n');
  const empty = rows.length ? '' : '<p class="absent">No runs yet: results appear here as `llmbench run` writes them into the result folders, or records them in the history.</p>';
  return layout('Runs', 'Runs', `<h1>Runs</h1>${filters}${empty}<table class="runs" id="runs"><thead>${head}</thead>${body}</table>`);
}

// ---- One run -------------------------------------------------------------------------------------------------

function metaTable(row: RunRow, r: RunResult | null, dir: string | null): string {
  const rows: Array<[string, unknown]> = [
    ['run id', row.id],
    ['name', row.name || 'n/a'],
    ['status', row.status],
    ['started', row.started_at ?? 'n/a'],
    ['finished', row.finished_at ?? 'n/a'],
    ['target', row.target ?? 'n/a'],
    ['model', row.model ?? 'n/a'],
    ['engine settings', row.engine ?? 'n/a'],
    ['llmbench', r?.tool?.version ?? 'n/a'],
    ['result folder', dir ?? 'n/a (recorded in the history; the folder is gone)'],
  ];
  return `<table class="meta"><tbody>${rows.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</tbody></table>`;
}

function fileLinks(id: string, files: string[]): string {
  if (!files.length) return '';
  return `<p class="files">files: ${files.map((f) => `<a href="/runs/${encodeURIComponent(id)}/files/${f.split('/').map(encodeURIComponent).join('/')}">${escapeHtml(f)}</a>`).join(' · ')}</p>`;
}

/** Requests listed under the timeline (each opens its record); beyond this many, the list says how many more. */
export const REQUEST_LIST_MAX = 500;

function requestList(id: string, records: RequestRecord[]): string {
  if (!records.length) return '<p class="absent">no request records (requests.jsonl)</p>';
  const shown = records.slice(0, REQUEST_LIST_MAX);
  const rows = shown.map((r, i) => `<tr data-record="${i}"><td><button type="button" class="open-record" data-record="${i}">#${i}</button></td><td>${escapeHtml(r.scenario_id)}</td><td class="num">${escapeHtml(r.repeat ?? 0)}</td><td class="num">${escapeHtml(r.index)}</td><td>${r.warmup ? 'warmup' : ''}</td><td class="status-${escapeHtml(r.status)}">${escapeHtml(r.status)}</td><td class="num">${escapeHtml(cellText(r.ttft_ms))}</td><td class="num">${escapeHtml(cellText(r.tpot_ms))}</td><td class="num">${escapeHtml(cellText(r.e2e_ms))}</td><td class="num">${escapeHtml(cellText(r.output_tokens))}</td></tr>`).join('');
  const more = records.length > shown.length ? `<p>${records.length - shown.length} more requests: see <a href="/runs/${encodeURIComponent(id)}/files/requests.jsonl">requests.jsonl</a></p>` : '';
  return `<table class="requests" id="requests"><thead><tr><th>record</th><th>scenario</th><th>repeat</th><th>index</th><th></th><th>status</th><th>TTFT (ms)</th><th>TPOT (ms)</th><th>E2E (ms)</th><th>out tokens</th></tr></thead><tbody>${rows}</tbody></table>${more}`;
}

export function runPage(row: RunRow, result: RunResult | null, records: RequestRecord[], dir: string | null, files: string[]): string {
  const label = row.name || row.id;
  const parts: string[] = [`<h1>Run ${escapeHtml(label)} <span class="status status-${escapeHtml(row.status)}">${escapeHtml(row.status)}</span></h1>`];
  if (row.status === 'live') parts.push(`<p class="live-note">This run is in progress: <a href="/live">watch it live</a>.</p>`);
  parts.push(metaTable(row, result, dir), fileLinks(row.id, files));
  if (!result) {
    parts.push('<p class="absent">The result folder is gone; the history keeps these figures:</p>');
    parts.push(htmlTable({ columns: [{ key: 'id', title: 'scenario' }, { key: 'status', title: 'status' }, ...RUN_COLUMNS.filter((c) => c.kind !== 'text').map((c) => ({ key: c.key, title: c.title, align: 'right' as const }))], rows: row.scenarios.map((s) => ({ ...(s as unknown as Record<string, number | string | null>) })) }, 'summary'));
    return layout(`Run ${label}`, 'Runs', parts.join('\n'), { run: row.id });
  }
  const input: RunInput = { result, records };
  const warnings = [...(result.warnings ?? []), ...result.scenarios.flatMap((s) => (s.warnings ?? []).map((w) => ({ ...w, message: `${s.id}: ${w.message}` })))];
  if (warnings.length) parts.push(`<h2>Warnings</h2><ul class="warn">${warnings.map((w) => `<li>[${escapeHtml(w.code)}] ${escapeHtml(w.message)}${w.hint ? ` <em>fix: ${escapeHtml(w.hint)}</em>` : ''}</li>`).join('')}</ul>`);
  parts.push('<h2>Summary</h2>', htmlTable(summaryTable(result), 'summary'));
  parts.push('<h2>Charts</h2><p class="hint">Hover for values; drag or scroll on a time axis to zoom (double-click resets); click a legend entry to show one series; click a request on the timeline to open its record.</p>');
  parts.push(...buildCharts([input]).map((d) => chartFigure(d, records)));
  parts.push('<h2>Requests</h2>', '<div id="record-panel" class="record-panel" hidden tabindex="-1" aria-live="polite"></div>', requestList(row.id, records));
  parts.push('<h2>Scenarios</h2>', ...result.scenarios.map((s) => htmlTable(scenarioTable(s), 'scenario')));
  parts.push('<h2>Configuration</h2>', `<pre class="config">${escapeHtml(JSON.stringify(result.config ?? {}, null, 2))}</pre>`);
  parts.push('<h2>Environment</h2>', `<pre class="environment">${escapeHtml(JSON.stringify(result.environment ?? {}, null, 2))}</pre>`);
  return layout(`Run ${label}`, 'Runs', parts.join('\n'), { run: row.id });
}

// ---- Compare -------------------------------------------------------------------------------------------------

/** Which way is better for a metric path: lower for times and failures, higher for rates and accuracy, else unknown. */
export function betterDirection(path: string): 'lower' | 'higher' | null {
  if (/_ms(\.|$)/.test(path) || path === 'requests_failed' || path === 'error_rate') return 'lower';
  if (/throughput|goodput|accuracy|requests_ok|tokens_per_client/.test(path)) return 'higher';
  return null;
}

function deltaClass(metric: string, pct: number | null): string {
  const dir = betterDirection(metric);
  if (pct === null || pct === 0 || dir === null) return '';
  return (pct > 0) === (dir === 'higher') ? ' better' : ' worse';
}

/** The compare table with its deltas, each compared run's cells coloured by direction; significance where repeats allow it. */
function comparisonTable(c: Comparison): string {
  const t: Table = compareTable(c);
  const head = t.columns.map((col) => `<th scope="col">${escapeHtml(col.title === '> spread' ? 'significant (beyond repeat spread)' : col.title)}</th>`).join('');
  const rows = c.rows.map((r, ri) => {
    const row = t.rows[ri]!;
    return `<tr>${t.columns.map((col) => {
      const v = row[col.key];
      const m = /^run(\d+)_delta_pct$/.exec(col.key);
      const cls = m ? deltaClass(r.metric, r.runs[Number(m[1]) - 1]!.delta_pct) : '';
      return `<td class="${typeof v === 'number' ? 'num' : ''}${cls}">${escapeHtml(cellText(v, col))}</td>`;
    }).join('')}</tr>`;
  }).join('\n');
  const foot = t.footer?.length ? `<p>${t.footer.map(escapeHtml).join('<br>')}</p>` : '';
  return `<table class="compare"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>${foot}`;
}

export interface ComparePageInput {
  ids: string[];
  baseline: string;
  failIf: string;
  runs: Array<{ id: string; label: string; result: RunResult; records: RequestRecord[] }>;
  comparison: Comparison;
  /** null when no --fail-if was given; else the violations (empty: all pass). */
  violations: string[] | null;
  failIfError: string | null;
  tests: RequestTest[];
}

function testsTable(tests: RequestTest[]): string {
  if (!tests.length) return '<p class="absent">no request records to test</p>';
  const multi = new Set(tests.map((t) => t.run)).size > 1;
  const rows = tests.map((t) => `<tr>${multi ? `<td class="text">${escapeHtml(t.run)}</td>` : ''}<td class="text">${escapeHtml(t.scenario)}</td><td>${escapeHtml(t.metric)}</td><td class="num">${t.n_baseline}</td><td class="num">${t.n_run}</td><td class="num">${escapeHtml(cellText(t.median_baseline))}</td><td class="num">${escapeHtml(cellText(t.median_run))}</td><td class="num">${t.p_value === null ? 'n/a' : escapeHtml(t.p_value < 0.0001 ? '<0.0001' : t.p_value.toFixed(4))}</td><td>${t.significant === null ? `n/a (under ${MIN_SAMPLES} requests)` : t.significant ? 'yes' : 'no'}</td></tr>`).join('');
  return `<table class="tests"><thead><tr>${multi ? '<th>run</th>' : ''}<th>scenario</th><th>metric</th><th>n baseline</th><th>n run</th><th>median baseline</th><th>median run</th><th>p-value</th><th>significant (p &lt; ${ALPHA})</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export function comparePage(p: ComparePageInput): string {
  const parts: string[] = ['<h1>Compare</h1>'];
  const idsParam = p.ids.map(encodeURIComponent).join(',');
  parts.push(`<p>baseline: ${p.runs.map((r) => (r.id === p.baseline ? `<strong>${escapeHtml(r.label)}</strong>` : `<a href="/compare?ids=${idsParam}&amp;baseline=${encodeURIComponent(r.id)}${p.failIf ? `&amp;fail_if=${encodeURIComponent(p.failIf)}` : ''}">${escapeHtml(r.label)}</a>`)).join(' · ')}</p>`);
  parts.push(`<form class="fail-if" method="get" action="/compare"><input type="hidden" name="ids" value="${escapeHtml(p.ids.join(','))}"><input type="hidden" name="baseline" value="${escapeHtml(p.baseline)}"><label>--fail-if <input type="text" name="fail_if" id="fail-if" size="50" value="${escapeHtml(p.failIf)}" placeholder="tpot_ms.p90>+5%,output_token_throughput<-3%"></label> <button type="submit">Check</button></form>`);
  if (p.failIfError) parts.push(`<p class="verdict error" id="verdict">${escapeHtml(p.failIfError)}</p>`);
  else if (p.violations !== null) {
    parts.push(p.violations.length
      ? `<div class="verdict fail" id="verdict"><p><strong>FAIL</strong>: ${p.violations.length} threshold(s) violated</p><ul>${p.violations.map((v) => `<li>${escapeHtml(v)}</li>`).join('')}</ul></div>`
      : `<p class="verdict pass" id="verdict"><strong>PASS</strong>: every threshold holds</p>`);
  }
  parts.push('<h2>Deltas</h2>', comparisonTable(p.comparison));
  parts.push('<h2>Per-request differences</h2>', `<p class="hint">Mann-Whitney U test (two-sided) on each matched scenario's per-request values: does this run's distribution differ from the baseline's? Needs at least ${MIN_SAMPLES} measured requests on each side; it needs no repeats.</p>`, testsTable(p.tests));
  const inputs: RunInput[] = p.runs.map((r) => ({ result: r.result, records: r.records }));
  parts.push('<h2>Distributions</h2>', ...[overviewChart(inputs), latencyCdfChart(inputs), loadCurveChart(inputs), memoryChart(inputs)].map((d) => chartFigure(d)));
  return layout('Compare', 'Runs', parts.join('\n'), { ids: p.ids, baseline: p.baseline });
}

// ---- Sweeps --------------------------------------------------------------------------------------------------

export function sweepsPage(rows: SweepRow[]): string {
  if (!rows.length) return layout('Sweeps', 'Sweeps', '<h1>Sweeps</h1><p class="absent">No sweeps in the result folders (`llmbench sweep` writes <code>&lt;out&gt;/&lt;name&gt;_sweep_&lt;time&gt;/sweep.json</code>).</p>');
  const body = rows.map((s) => `<tr><td><a href="/sweeps/${encodeURIComponent(s.id)}">${escapeHtml(s.name)}</a></td><td>${escapeHtml(s.id)}</td><td>${escapeHtml(shortDate(s.created_at) ?? 'n/a')}</td><td class="num">${s.points}</td></tr>`).join('');
  return layout('Sweeps', 'Sweeps', `<h1>Sweeps</h1><table class="sweeps"><thead><tr><th>name</th><th>folder</th><th>started</th><th>points</th></tr></thead><tbody>${body}</tbody></table>`);
}

export function sweepPage(row: SweepRow, sweep: Record<string, unknown>): string {
  const v = sweepView(sweep);
  const parts: string[] = [`<h1>Sweep ${escapeHtml(row.name)}</h1>`, `<p class="id">${escapeHtml(row.dir)}</p>`];
  parts.push(v.best
    ? `<p class="winner" id="winner">Winner: <strong>${escapeHtml(v.best.label)}</strong> at ${escapeHtml(v.best.load)}: ${escapeHtml(cellText(v.best.output_token_throughput))} output tok/s</p>`
    : '<p class="winner none" id="winner">No point meets the SLA.</p>');
  parts.push('<h2>Points</h2>', htmlTable(v.pointsTable, 'points'));
  parts.push(chartFigure(paretoChart(v)));
  parts.push('<h2>Search history and SLA margins</h2>');
  for (const pt of v.points) {
    parts.push(`<section class="point"><h3>${escapeHtml(pt.label)} <span class="status status-${escapeHtml(pt.status)}">${escapeHtml(pt.status)}</span></h3>`);
    if (pt.reason) parts.push(`<p class="error">${escapeHtml(pt.reason)}</p>`);
    if (pt.logTail) parts.push(`<pre class="log">${escapeHtml(pt.logTail)}</pre>`);
    for (const t of pt.historyTables) parts.push(htmlTable(t, 'history'));
    parts.push('</section>');
  }
  return layout(`Sweep ${row.name}`, 'Sweeps', parts.join('\n'));
}

// ---- Live ----------------------------------------------------------------------------------------------------

export function livePage(live: LiveRun[]): string {
  const note = live.length ? '' : '<p class="absent" id="no-live">No run in progress. A run started with <code>llmbench run --out</code> into one of the result folders shows up here by itself.</p>';
  return layout('Live', 'Live', `<h1>Live</h1>${note}<div id="live-runs"></div>`, { live: live.map((l) => ({ id: l.id, name: l.name })) });
}
