/** Every chart of a report, in the order the HTML shows them. */
import { runLabel, type ChartDef, type RunInput } from './common.js';
import { overviewChart } from './overview.js';
import { latencyCdfChart } from './latency.js';
import { loadCurveChart } from './load.js';
import { timelineChart, tokenRateChart } from './timeline.js';
import { memoryChart } from './memory.js';

export { type ChartDef, type RunInput } from './common.js';

/**
 * The charts for one run or a comparison of several. Timelines are per run (their clocks differ), so with
 * several runs each gets its own, named `timeline-<n>` / `tokens-over-time-<n>`.
 */
export function buildCharts(runs: RunInput[]): ChartDef[] {
  const out = [overviewChart(runs), latencyCdfChart(runs), loadCurveChart(runs)];
  runs.forEach((run, i) => {
    const suffix = runs.length > 1 ? `-${i + 1}` : '';
    const label = runs.length > 1 ? ` (${runLabel(run.result)})` : '';
    for (const c of [timelineChart(run), tokenRateChart(run)]) out.push({ ...c, name: c.name + suffix, title: c.title + label });
  });
  out.push(memoryChart(runs));
  return out;
}
