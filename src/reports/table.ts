/**
 * One table model, four renderings. Terminal, Markdown (hyperfine-style, pastes into issues and PRs), CSV and
 * JSON differ only in how rows are written. Renderers are pure: they return strings, the caller prints.
 * A missing value (null/undefined) renders as "n/a" in terminal/Markdown and as an empty cell in CSV, never 0.
 */
export type Cell = string | number | boolean | null | undefined;

export interface Column {
  key: string;
  /** Header text; units go here ("TTFT p50 (ms)"), values stay bare numbers. */
  title: string;
  align?: 'left' | 'right';
  /** Significant decimals for numbers in human renderings (CSV/JSON keep full precision). */
  decimals?: number;
}

export interface Table {
  title?: string;
  columns: Column[];
  rows: Array<Record<string, Cell>>;
  /** Lines printed under the table in terminal and Markdown renderings (CSV/JSON carry only rows). */
  footer?: string[];
}

export type TableFormat = 'table' | 'md' | 'csv' | 'json';
export const TABLE_FORMATS: readonly TableFormat[] = ['table', 'md', 'csv', 'json'];

export const MISSING = 'n/a';

export function formatNumber(v: number, decimals = 2): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const abs = Math.abs(v);
  // Keep small values readable (0.0123 ms) without drowning large ones in digits.
  const d = abs >= 1000 ? Math.min(decimals, 1) : abs >= 1 || abs === 0 ? decimals : Math.max(decimals, 1 - Math.floor(Math.log10(abs)) + 1);
  return v.toFixed(d);
}

export function cellText(v: Cell, col?: Column): string {
  if (v === null || v === undefined) return MISSING;
  if (typeof v === 'number') return formatNumber(v, col?.decimals ?? 2);
  return String(v);
}

function isNumericColumn(t: Table, c: Column): boolean {
  return c.align ? c.align === 'right' : t.rows.some((r) => typeof r[c.key] === 'number');
}

/** Width in terminal columns (CJK wide characters count 2). */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    w += (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6) ? 2 : 1;
  }
  return w;
}

function pad(s: string, width: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(s)));
  return right ? fill + s : s + fill;
}

export function renderTerminal(t: Table): string {
  const cells = t.rows.map((r) => t.columns.map((c) => cellText(r[c.key], c)));
  const widths = t.columns.map((c, i) => Math.max(displayWidth(c.title), ...cells.map((row) => displayWidth(row[i]!))));
  const right = t.columns.map((c) => isNumericColumn(t, c));
  const line = (vals: string[]) => vals.map((v, i) => pad(v, widths[i]!, right[i]!)).join('  ').trimEnd();
  const out: string[] = [];
  if (t.title) out.push(t.title);
  out.push(line(t.columns.map((c) => c.title)));
  out.push(widths.map((w) => '─'.repeat(w)).join('  '));
  for (const row of cells) out.push(line(row));
  if (t.footer?.length) out.push(...t.footer);
  return out.join('\n') + '\n';
}

function mdCell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function renderMarkdown(t: Table): string {
  const right = t.columns.map((c) => isNumericColumn(t, c));
  const out: string[] = [];
  if (t.title) out.push(`**${mdCell(t.title)}**`, '');
  out.push(`| ${t.columns.map((c) => mdCell(c.title)).join(' | ')} |`);
  out.push(`|${right.map((r) => (r ? '---:' : ':---')).join('|')}|`);
  for (const r of t.rows) out.push(`| ${t.columns.map((c) => mdCell(cellText(r[c.key], c))).join(' | ')} |`);
  if (t.footer?.length) out.push('', ...t.footer.map(mdCell));
  return out.join('\n') + '\n';
}

function csvCell(v: Cell): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV uses column keys as headers (machine names with units, e.g. ttft_ms_p50) and full precision. */
export function renderCsv(t: Table): string {
  const out = [t.columns.map((c) => csvCell(c.key)).join(',')];
  for (const r of t.rows) out.push(t.columns.map((c) => csvCell(r[c.key])).join(','));
  return out.join('\n') + '\n';
}

export function renderJson(t: Table): string {
  return JSON.stringify(t.rows.map((r) => Object.fromEntries(t.columns.map((c) => [c.key, r[c.key] ?? null]))), null, 2) + '\n';
}

export function renderTable(t: Table, format: TableFormat): string {
  switch (format) {
    case 'md':
      return renderMarkdown(t);
    case 'csv':
      return renderCsv(t);
    case 'json':
      return renderJson(t);
    default:
      return renderTerminal(t);
  }
}
