/**
 * Writes a report into a folder: every chart as SVG and PNG under charts/, and report.html beside them.
 * This is the only part of src/reports that touches the file system; the builders it calls are pure.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type RunResult } from '../core/result.js';
import { type RequestRecord } from '../core/record.js';
import { buildCharts, type RunInput } from './charts/index.js';
import { specToSvg, svgToPng } from './charts/render.js';
import { renderHtmlReport, type RenderedChart } from './html.js';

export const CHARTS_DIR = 'charts';
export const HTML_FILE = 'report.html';

/** Renders every chart; one that fails to render becomes an absent panel with the reason, never a lost report. */
export async function renderCharts(runs: RunInput[]): Promise<Array<RenderedChart & { png: Uint8Array | null }>> {
  const out: Array<RenderedChart & { png: Uint8Array | null }> = [];
  for (const def of buildCharts(runs)) {
    if (!def.spec) {
      out.push({ def, svg: null, png: null });
      continue;
    }
    try {
      const svg = await specToSvg(def.spec);
      out.push({ def, svg, png: svgToPng(svg) });
    } catch (e) {
      out.push({ def: { ...def, absent: `chart could not be drawn: ${(e as Error).message}` }, svg: null, png: null });
    }
  }
  return out;
}

/** Writes charts and report.html for one or several runs into `outDir`; returns the absolute paths written. */
export async function writeReport(outDir: string, runs: RunInput[]): Promise<string[]> {
  const charts = await renderCharts(runs);
  const written: string[] = [];
  await mkdir(outDir, { recursive: true });
  for (const c of charts) {
    if (c.svg === null || c.png === null) continue;
    await mkdir(join(outDir, CHARTS_DIR), { recursive: true });
    const svgName = `${CHARTS_DIR}/${c.def.name}.svg`;
    const pngName = `${CHARTS_DIR}/${c.def.name}.png`;
    await writeFile(join(outDir, svgName), c.svg);
    await writeFile(join(outDir, pngName), c.png);
    written.push(join(outDir, svgName), join(outDir, pngName));
    c.files = [pngName, svgName];
  }
  const html = join(outDir, HTML_FILE);
  await writeFile(html, renderHtmlReport(runs, charts));
  written.push(html);
  return written;
}

/** What `run` calls at the end (unless --no-report): the report goes into the run's own result folder. */
export async function writeRunReport(runDir: string, result: RunResult, records: RequestRecord[]): Promise<string[]> {
  return writeReport(runDir, [{ result, records }]);
}
