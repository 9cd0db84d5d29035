/**
 * report.html: one self-contained file (inline CSS and SVG, no scripts, no external URLs) with the run's
 * tables, charts and configuration. Every string that came from a user, a server or the model is escaped;
 * a Content-Security-Policy forbids scripts and network fetches as a second line of defence.
 */
import { runLabel, type ChartDef, type RunInput } from './charts/common.js';
import { scenarioTable, summaryTable } from './run-tables.js';
import { cellText, type Table } from './table.js';
import { VERSION } from '../core/version.js';

export interface RenderedChart {
  def: ChartDef;
  /** The SVG markup, or null when the chart had nothing to draw (def.absent says why) or failed to render. */
  svg: string | null;
  /** Relative file names written beside report.html, shown as links. */
  files?: string[];
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Output samples shown per run; longer texts are cut. */
export const SAMPLE_OUTPUTS = 5;
export const SAMPLE_CHARS = 600;

export const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const CSS = `
body{font-family:"DejaVu Sans",system-ui,sans-serif;margin:24px;color:#222;max-width:1500px}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd}h3{font-size:15px}
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}
th,td{border:1px solid #ddd;padding:3px 8px}th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}
.absent{color:#777;font-style:italic}.warn{color:#a15c00}
figure{margin:12px 0 24px}figcaption{font-size:13px;color:#555}
pre{background:#f7f7f7;padding:8px;overflow:auto;font-size:12px;white-space:pre-wrap}
.meta td:first-child{font-weight:bold}
`.trim();

/** A Table as HTML: header row from column titles, numbers right-aligned, n/a for missing values. */
export function htmlTable(t: Table, cls = ''): string {
  const head = t.columns.map((c) => `<th>${escapeHtml(c.title)}</th>`).join('');
  const body = t.rows
    .map((r) => `<tr>${t.columns.map((c) => {
      const v = r[c.key];
      return `<td${typeof v === 'number' ? ' class="num"' : ''}>${escapeHtml(cellText(v, c))}</td>`;
    }).join('')}</tr>`)
    .join('\n');
  const caption = t.title ? `<caption>${escapeHtml(t.title)}</caption>` : '';
  const foot = t.footer?.length ? `\n<p>${t.footer.map(escapeHtml).join('<br>')}</p>` : '';
  return `<table${cls ? ` class="${cls}"` : ''}>${caption}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>${foot}`;
}

/** Refuses SVG that could run anything; vega never writes these, but the markup is inlined unescaped. */
export function isInertSvg(svg: string): boolean {
  return svg.trimStart().startsWith('<svg') && !/<script|<foreignObject|<iframe|\son[a-z]+\s*=|javascript:|(?:href|src)\s*=\s*["']?\s*(?:https?:)?\/\//i.test(svg);
}

function metaTable(run: RunInput): string {
  const r = run.result;
  const rows: Array<[string, unknown]> = [
    ['run id', r.run_id],
    ['name', r.name || 'n/a'],
    ['started', r.started_at],
    ['finished', r.finished_at ?? 'n/a'],
    ['interrupted', r.interrupted ? 'yes' : 'no'],
    ['target', r.target ? `${r.target.kind}${r.target.url ? ` ${r.target.url}` : ''}` : 'n/a'],
    ['model', r.target?.model ?? 'n/a'],
    ['llmbench', r.tool?.version ?? 'n/a'],
  ];
  return `<table class="meta"><tbody>${rows.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`).join('')}</tbody></table>`;
}

function warnings(run: RunInput): string {
  const all = [...(run.result.warnings ?? []), ...run.result.scenarios.flatMap((s) => (s.warnings ?? []).map((w) => ({ ...w, message: `${s.id}: ${w.message}` })))];
  if (all.length === 0) return '';
  return `<h3>Warnings</h3><ul class="warn">${all.map((w) => `<li>[${escapeHtml(w.code)}] ${escapeHtml(w.message)}${w.hint ? ` <em>fix: ${escapeHtml(w.hint)}</em>` : ''}</li>`).join('')}</ul>`;
}

function samples(run: RunInput): string {
  const ok = run.records.filter((r) => !r.warmup && typeof r.output_text === 'string' && r.output_text !== '').slice(0, SAMPLE_OUTPUTS);
  if (ok.length === 0) return '';
  const items = ok.map((r) => {
    const text = r.output_text!;
    const cut = text.length > SAMPLE_CHARS ? `${text.slice(0, SAMPLE_CHARS)}…` : text;
    return `<h4>${escapeHtml(r.scenario_id)} #${escapeHtml(r.index)}</h4><pre>${escapeHtml(cut)}</pre>`;
  });
  return `<h3>Sample outputs</h3>${items.join('\n')}`;
}

function chartFigure(c: RenderedChart): string {
  const links = c.files?.length ? ` (${c.files.map((f) => `<a href="${escapeHtml(encodeURI(f))}">${escapeHtml(f.split('.').pop())}</a>`).join(', ')})` : '';
  if (c.svg === null || !isInertSvg(c.svg)) {
    return `<figure class="chart" data-chart="${escapeHtml(c.def.name)}"><figcaption>${escapeHtml(c.def.title)}</figcaption><p class="absent">${escapeHtml(c.def.absent ?? 'chart could not be drawn')}</p></figure>`;
  }
  return `<figure class="chart" data-chart="${escapeHtml(c.def.name)}">${c.svg}<figcaption>${escapeHtml(c.def.title)}${links}</figcaption></figure>`;
}

export function renderHtmlReport(runs: RunInput[], charts: RenderedChart[]): string {
  const names = runs.map((r) => runLabel(r.result));
  const title = `llmbench report: ${names.join(' vs ')}`;
  const sections = runs.map((run) => {
    const r = run.result;
    return [
      `<section class="run" data-run="${escapeHtml(r.run_id)}">`,
      `<h2>Run ${escapeHtml(runLabel(r))}</h2>`,
      metaTable(run),
      warnings(run),
      '<h3>Summary</h3>',
      htmlTable(summaryTable(r), 'summary'),
      '<h3>Scenarios</h3>',
      ...r.scenarios.map((s) => htmlTable(scenarioTable(s), 'scenario')),
      samples(run),
      '<h3>Configuration</h3>',
      `<pre class="config">${escapeHtml(JSON.stringify(r.config ?? {}, null, 2))}</pre>`,
      '<h3>Environment</h3>',
      `<pre class="environment">${escapeHtml(JSON.stringify(r.environment ?? {}, null, 2))}</pre>`,
      '</section>',
    ].filter((x) => x !== '').join('\n');
  });
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${CSS}</style>`,
    '</head><body>',
    `<h1>${escapeHtml(title)}</h1>`,
    `<p>Generated by llmbench ${escapeHtml(VERSION)}. Times in ms, throughput in tokens/s, n/a = not measured.</p>`,
    '<h2>Charts</h2>',
    ...charts.map(chartFigure),
    ...sections,
    '</body></html>',
    '',
  ].join('\n');
}
