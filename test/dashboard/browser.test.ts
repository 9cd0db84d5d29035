/**
 * The dashboard in headless Chromium (Debian's, through playwright-core): every page renders the fixture runs'
 * figures with no console errors and no request leaving the server; the runs table filters, sorts, selects and
 * compares by mouse and by keyboard; a request's record opens from the timeline and from the list; hostile
 * fixture strings run no script; a live run against a scripted server appears, updates and becomes a finished
 * run. Screenshots of each page go to test-output/ for people to look at.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { DashboardData } from '../../src/dashboard/data.js';
import { startDashboard, type DashboardServer } from '../../src/dashboard/server.js';
import { makeHostileResults, makeResults, RUN_A, RUN_B, RUN_EVIL, RUN_EVIL2, SWEEP_ID } from './setup.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { runCli } from '../support/cli.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const SKIP = existsSync(CHROMIUM) ? false : `${CHROMIUM} is absent (apt-get install chromium)`;
const SHOTS = join(process.cwd(), 'test-output', 'dashboard');

let browser: Browser;
let dash: DashboardServer;
let root: string;

before(async () => {
  if (SKIP) return;
  const { chromium } = await import('playwright-core');
  const made = makeResults();
  root = made.root;
  dash = await startDashboard({ data: new DashboardData({ dbPath: made.db, resultDirs: [root] }), host: '127.0.0.1', port: 0, token: null, livePollMs: 200 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 60_000 });
  mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await dash?.close();
});

interface Watched {
  page: Page;
  problems: string[];
  external: string[];
}

async function open(path: string): Promise<Watched> {
  const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
  const problems: string[] = [];
  const external: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => { problems.push(`dialog: ${d.message()}`); void d.dismiss(); });
  page.on('request', (r) => { if (!r.url().startsWith(`${dash.url}/`)) external.push(r.url()); });
  page.setDefaultTimeout(30_000);
  await page.goto(dash.url + path);
  await page.waitForSelector('body[data-charts-ready]');
  return { page, problems, external };
}

async function done(w: Watched, shot: string): Promise<void> {
  await w.page.screenshot({ path: join(SHOTS, `${shot}.png`), fullPage: true });
  assert.deepEqual(w.problems, []);
  assert.deepEqual(w.external, [], 'a request left the dashboard');
  await w.page.close();
}

async function visibleRunIds(page: Page): Promise<string[]> {
  return page.$$eval('tbody.run:not([hidden])', (els) => els.map((e) => (e as HTMLElement).dataset.id!));
}

async function chartsDrawn(page: Page): Promise<Array<{ name: string; state: string | undefined; w: number; texts: number }>> {
  return page.$$eval('figure.chart', (figs) => figs.map((f) => {
    const svg = f.querySelector('svg');
    return { name: (f as HTMLElement).dataset.chart!, state: (f as HTMLElement).dataset.rendered, w: svg ? Math.round(svg.getBoundingClientRect().width) : 0, texts: svg ? svg.querySelectorAll('text').length : 0 };
  }));
}

test('runs page: figures, filter, sort, expand, and select-and-compare by mouse', { skip: SKIP, timeout: 180_000 }, async () => {
  const w = await open('/');
  const { page } = w;
  assert.deepEqual(await visibleRunIds(page), [RUN_EVIL, RUN_B, RUN_A]);
  // Run b's figures: its fastest scenario (c4: 171.43 tok/s), best accuracy, peak memory (2 GiB from telemetry).
  const cells = await page.$$eval(`tbody.run[data-id="${RUN_B}"] tr.run-row td`, (tds) => tds.map((t) => t.textContent!.trim()));
  assert.deepEqual(cells.slice(2), ['stories260K', 'openai http://127.0.0.1:8080/v1', 'n/a', '2026-11-23 10:00:00', 'ok', '171.43', '26', '33.84', '11', '11.80', '0.5000', '2.0 GiB']);
  assert.equal(await page.textContent('#shown-count'), '3 of 3 runs');

  await page.fill('#f-text', 'faster');
  assert.deepEqual(await visibleRunIds(page), [RUN_B]);
  await page.fill('#f-text', '');
  await page.selectOption('#f-model', 'stories260K');
  assert.deepEqual(await visibleRunIds(page), [RUN_B, RUN_A]);
  await page.fill('#f-from', '2026-11-24');
  assert.deepEqual(await visibleRunIds(page), []);
  assert.equal(await page.textContent('#shown-count'), '0 of 3 runs');
  await page.fill('#f-from', '2026-11-23');
  await page.selectOption('#f-model', '');
  assert.deepEqual(await visibleRunIds(page), [RUN_EVIL, RUN_B, RUN_A]);

  // Sort by TTFT p50, ascending then descending.
  await page.click('button.sort[data-key="ttft_ms_p50"]');
  assert.deepEqual(await visibleRunIds(page), [RUN_A, RUN_B, RUN_EVIL]);
  assert.equal(await page.getAttribute('th:has(button[data-key="ttft_ms_p50"])', 'aria-sort'), 'ascending');
  await page.click('button.sort[data-key="ttft_ms_p50"]');
  assert.deepEqual(await visibleRunIds(page), [RUN_EVIL, RUN_B, RUN_A]);

  // Expand run a's scenarios.
  await page.click(`tbody.run[data-id="${RUN_A}"] button.expand`);
  const scen = await page.$$eval(`tbody.run[data-id="${RUN_A}"] tr.scenario:not([hidden]) td.scen-name`, (t) => t.map((x) => x.textContent));
  assert.deepEqual(scen, ['in8_out4_c1', 'in8_out4_c4']);
  await page.screenshot({ path: join(SHOTS, 'runs.png'), fullPage: true });

  assert.equal(await page.isDisabled('#compare-selected'), true);
  await page.check(`input.pick[value="${RUN_A}"]`);
  await page.check(`input.pick[value="${RUN_B}"]`);
  assert.equal(await page.textContent('#compare-selected'), 'Compare selected (2)');
  await Promise.all([page.waitForURL(/\/compare\?/), page.click('#compare-selected')]);
  await page.waitForSelector('body[data-charts-ready]');
  assert.ok(page.url().endsWith(`/compare?ids=${RUN_B},${RUN_A}`) || page.url().endsWith(`/compare?ids=${RUN_A},${RUN_B}`), page.url());
  await done(w, 'runs-compare');
});

test('runs page by keyboard: type a filter, sort, select with Space, compare with Enter', { skip: SKIP, timeout: 120_000 }, async () => {
  const w = await open('/');
  const { page } = w;
  await page.focus('#f-text');
  await page.keyboard.type('stories');
  assert.deepEqual(await visibleRunIds(page), [RUN_B, RUN_A]);
  await page.focus('button.sort[data-key="output_token_throughput"]');
  await page.keyboard.press('Enter');
  assert.deepEqual(await visibleRunIds(page), [RUN_B, RUN_A]); // highest first
  await page.keyboard.press('Enter');
  assert.deepEqual(await visibleRunIds(page), [RUN_A, RUN_B]);
  await page.focus(`input.pick[value="${RUN_A}"]`);
  await page.keyboard.press('Space');
  await page.focus(`input.pick[value="${RUN_B}"]`);
  await page.keyboard.press('Space');
  await page.focus('#compare-selected');
  await Promise.all([page.waitForURL(/\/compare\?/), page.keyboard.press('Enter')]);
  assert.ok(page.url().endsWith(`/compare?ids=${RUN_A},${RUN_B}`), page.url());
  await page.waitForSelector('body[data-charts-ready]');
  await done(w, 'runs-keyboard');
});

test('a run page: tables, interactive charts, and a request record from the timeline and the list', { skip: SKIP, timeout: 120_000 }, async () => {
  const w = await open(`/runs/${RUN_A}`);
  const { page } = w;
  assert.equal(await page.title(), 'Run baseline · llmbench dashboard');
  const charts = await chartsDrawn(page);
  assert.deepEqual(charts.map((c) => [c.name, c.state]), [['overview', 'true'], ['latency-cdf', 'true'], ['load-curves', 'true'], ['timeline', 'true'], ['tokens-over-time', 'true'], ['memory', undefined]]);
  for (const c of charts.filter((x) => x.state)) assert.ok(c.w > 300 && c.texts > 5, JSON.stringify(c));
  assert.equal(await page.textContent('figure[data-chart="memory"] .absent'), 'no memory telemetry in this run');
  assert.equal(await page.textContent('table.summary tbody tr:first-child td:first-child'), 'in8_out4_c1');

  // Hover: the tooltip shows the datum's values.
  await page.locator('figure[data-chart="overview"] g.mark-rect.role-mark path').first().scrollIntoViewIfNeeded();
  const bar = (await page.locator('figure[data-chart="overview"] g.mark-rect.role-mark path').first().boundingBox())!;
  await page.mouse.move(bar.x + bar.width / 2, bar.y + bar.height / 2);
  await page.waitForSelector('#vg-tip:not([hidden])');
  assert.match((await page.textContent('#vg-tip'))!, /tokens\/s|output_token_throughput|value/);

  // Click a request on the timeline: the last point drawn is the failed request's (scenario c4, index 2: record 5,
  // scheduled last). vega picks the item under the pointer itself, so the click goes to the point's coordinates.
  const points = page.locator('figure[data-chart="timeline"] g.mark-symbol.role-mark path');
  assert.equal(await points.count(), 23); // 5 ok requests × 4 events + the failed one's scheduled, sent, first token
  await points.last().scrollIntoViewIfNeeded();
  const box = (await points.last().boundingBox())!;
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await page.waitForSelector('#record-panel:not([hidden])');
  assert.equal(await page.textContent('#record-title'), 'Request record #5 (in8_out4_c4 #2)');
  assert.equal(await page.textContent('#record-panel td[data-field="status"]'), 'error');
  assert.equal(await page.textContent('#record-panel pre.record-error'), 'http (HTTP 503): HTTP 503 <b>overloaded</b>');
  assert.equal(await page.textContent('#record-panel p.absent'), 'not kept for this request');
  await page.screenshot({ path: join(SHOTS, 'run.png'), fullPage: true });

  // The list, by keyboard: focus a request's button, Enter opens its record, Escape closes it.
  await page.keyboard.press('Escape');
  assert.equal(await page.isHidden('#record-panel'), true);
  await page.focus('button.open-record[data-record="1"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#record-panel:not([hidden])');
  assert.equal(await page.textContent('#record-title'), 'Request record #1 (in8_out4_c1 #1)');
  assert.equal(await page.textContent('#record-panel td[data-field="ttft_ms"]'), '22');
  assert.equal(await page.textContent('#record-panel td[data-field="output_tokens"]'), '4');
  assert.equal(await page.textContent('#record-panel pre.record-output'), 'Once upon a time');
  await done(w, 'run-record');
});

test('hostile recorded strings run no script on any page', { skip: SKIP, timeout: 180_000 }, async () => {
  const { root: evilRoot } = makeHostileResults();
  const evilDash = await startDashboard({ data: new DashboardData({ dbPath: null, resultDirs: [evilRoot] }), host: '127.0.0.1', port: 0, token: null });
  const saved = dash;
  dash = evilDash;
  try {
    const id2 = encodeURIComponent(RUN_EVIL2);
    const pages: Array<[string, string]> = [['/', 'evil-runs'], [`/runs/${RUN_EVIL}`, 'evil-run'], [`/runs/${id2}`, 'evil-run2'], [`/compare?ids=${RUN_EVIL},${id2}`, 'evil-compare'], [`/sweeps/${SWEEP_ID}`, 'evil-sweep']];
    for (const [path, shot] of pages) {
      const w = await open(path);
      const { page } = w;
      const info = await page.evaluate(() => ({
        scripts: [...document.querySelectorAll('script')].filter((s) => !(s as HTMLScriptElement).src && s.type !== 'application/json').length,
        srcs: [...document.querySelectorAll('script[src]')].map((s) => new URL((s as HTMLScriptElement).src).pathname),
        imgs: document.querySelectorAll('img, iframe, object, embed, svg [onload], [onerror]').length,
        text: document.body.innerText,
      }));
      assert.equal(info.scripts, 0, path);
      assert.deepEqual(info.srcs, ['/static/vega.min.js', '/static/vega-lite.min.js', '/static/dashboard.js'], path);
      assert.equal(info.imgs, 0, path);
      if (path === `/runs/${RUN_EVIL}`) {
        assert.equal(await page.title(), 'Run <script>alert("name")</script> · llmbench dashboard');
        await page.click('button.open-record[data-record="0"]');
        await page.waitForSelector('#record-panel:not([hidden])');
        assert.equal(await page.textContent('#record-panel pre.record-output'), '</textarea><script>fetch("http://evil.example/x")</script> "quotes" & \'apos\' <!-- -->');
      }
      if (path === `/runs/${id2}`) {
        assert.ok(info.text.includes('<script>alert(7)</script>'));
        assert.ok(info.text.includes('</pre><script>alert(11)</script>'));
        await page.click('button.open-record[data-record="1"]');
        await page.waitForSelector('#record-panel:not([hidden])');
        assert.equal(await page.textContent('#record-panel pre.record-error'), 'http (HTTP 500): <img src=x onerror=alert(14)>');
        assert.equal(await page.textContent('#record-panel pre.record-output'), '</script><script>alert(12)</script>\u2028<iframe src="javascript:alert(13)">');
        assert.deepEqual((await chartsDrawn(page)).filter((c) => c.state !== undefined).map((c) => c.state), ['true', 'true', 'true', 'true', 'true'], String(await page.$$eval('figure.chart .absent', (e) => e.map((x) => x.textContent).join(' / '))));
      }
      if (path === '/') {
        assert.ok(info.text.includes('m</textarea><img src=x onerror=alert(1)>"\'&'));
        assert.ok(info.text.includes('</script><script>alert(5)</script>'));
        await page.click(`tbody.run[data-id="${RUN_EVIL2.replace(/"/g, '\\"')}"] button.expand`);
        assert.ok((await page.textContent('table.runs'))!.includes('<img src=x onerror=alert(6)>'));
      }
      if (path.startsWith('/sweeps')) {
        assert.ok(info.text.includes('CUDA out of memory <script>alert("sweep")</script>'));
        assert.ok(info.text.includes('<script>alert(15)</script>="><img src=x onerror=alert(16)>'));
      }
      await done(w, shot);
    }
  } finally {
    dash = saved;
    await evilDash.close();
  }
});

test('compare page: deltas, --fail-if verdicts, overlaid distributions', { skip: SKIP, timeout: 120_000 }, async () => {
  const w = await open(`/compare?ids=${RUN_A},${RUN_B}&fail_if=${encodeURIComponent('tpot_ms.p90>+5%,output_token_throughput<-3%,ttft_ms.p99>+20%')}`);
  const { page } = w;
  assert.equal(await page.textContent('#verdict p'), 'FAIL: 1 threshold(s) violated');
  assert.deepEqual(await page.$$eval('#verdict li', (l) => l.map((x) => x.textContent)), ['faster / in8_out4_c4: ttft_ms.p99 27.92 → 33.84 (+21.2034%) violates ttft_ms.p99>+20% (baseline baseline)']);
  const row = await page.$$eval('table.compare tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)).find((r) => r[0] === 'in8_out4_c4' && r[1] === 'output_token_throughput'));
  assert.deepEqual(row, ['in8_out4_c4', 'output_token_throughput', '116.79', '171.43', '54.64', '46.79', 'yes']);
  const tests = await page.$$eval('table.tests tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
  assert.deepEqual(tests[0], ['in8_out4_c1', 'ttft_ms', '3', '3', '22', '20', 'n/a', 'n/a (under 8 requests)']);
  assert.equal(tests.length, 6);
  const charts = await chartsDrawn(page);
  assert.deepEqual(charts.map((c) => [c.name, c.state]), [['overview', 'true'], ['latency-cdf', 'true'], ['load-curves', 'true'], ['memory', 'true']]);
  await page.screenshot({ path: join(SHOTS, 'compare.png'), fullPage: true });
  // The form re-checks with another threshold; the baseline link swaps the baseline.
  await page.fill('#fail-if', 'tpot_ms.p90>+50%');
  await Promise.all([page.waitForURL(/fail_if=/), page.press('#fail-if', 'Enter')]);
  await page.waitForSelector('body[data-charts-ready]');
  assert.equal(await page.textContent('#verdict'), 'PASS: every threshold holds');
  await done(w, 'compare-pass');
});

test('sweep page: winner, points, search history with SLA margins, Pareto chart', { skip: SKIP, timeout: 120_000 }, async () => {
  const w = await open(`/sweeps/${SWEEP_ID}`);
  const { page } = w;
  assert.equal(await page.textContent('#winner'), 'Winner: max_num_seqs=128 at concurrency=4: 360 output tok/s');
  const points = await page.$$eval('table.points tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
  assert.deepEqual(points, [
    ['0', 'max_num_seqs=64', 'ok', '12.50', 'concurrency=3', 'concurrency=4', '260', '4'],
    ['1', 'max_num_seqs=128', 'ok', '13.10', 'concurrency=4', 'concurrency=5', '360', '6'],
    ['2', 'max_num_seqs=256', 'server_failed', 'n/a', 'n/a', 'n/a', 'n/a', '0'],
  ]);
  const hist = await page.$$eval('table.history', (ts) => ts.map((t) => [...t.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent))));
  assert.equal(hist.length, 2);
  assert.deepEqual(hist[1]![2], ['3', 'concurrency=4', 'yes', '360', '480', '0.0400']);
  assert.deepEqual((await chartsDrawn(page)).map((c) => [c.name, c.state]), [['pareto', 'true']]);
  await done(w, 'sweep');
});

test('live: a run against a scripted server appears, updates by server-sent events, then becomes a finished run', { skip: SKIP, timeout: 240_000 }, async () => {
  const server: ScriptedServer = await startScriptedServer({ ttftMs: 120, itlMs: 25 }, { tokenize: true });
  try {
    const w = await open('/live');
    const { page } = w;
    assert.equal(await page.isVisible('#no-live'), true);
    const run = runCli(['run', '--target', `${server.url}/v1`, '--input-tokens', '8', '--output-tokens', '8', '--requests', '12', '-c', '1', '--out', root, '--name', 'livetest', '--no-history']);
    await page.waitForSelector('section.live-run', { timeout: 60_000 });
    assert.equal(await page.isHidden('#no-live'), true);
    assert.equal(await page.textContent('section.live-run h2'), 'livetest (in progress)');
    // Records stream in: at least 3 before the run ends (12 requests of ≥ 300 ms each).
    await page.waitForFunction(() => Number((document.querySelector('section.live-run') as HTMLElement)?.dataset.requests ?? 0) >= 3, null, { timeout: 60_000 });
    await page.waitForFunction(() => Number((document.querySelector('section.live-run') as HTMLElement)?.dataset.points ?? 0) >= 2, null, { timeout: 60_000 });
    assert.match((await page.textContent('section.live-run p.live-progress'))!, /^scenarios 0 of 1 done · \d+ of 12 requests recorded · 0 failed$/);
    assert.equal(await page.locator('section.live-run .live-chart svg').count(), 3);
    await page.screenshot({ path: join(SHOTS, 'live.png'), fullPage: true });
    // The heartbeat goes with the run's end: the page turns into the finished run's page.
    await page.waitForURL(/\/runs\/[^/]+$/, { timeout: 120_000 });
    const r = await run;
    assert.equal(r.code, 0, r.stderr);
    await page.waitForSelector('body[data-charts-ready]');
    assert.match(await page.title(), /^Run livetest · /);
    assert.equal(await page.textContent('h1 .status'), 'ok');
    assert.equal(await page.locator('table.requests tbody tr').count(), 12);
    const dir = readdirSync(root).find((d) => d.startsWith('livetest_'))!;
    assert.equal(existsSync(join(root, dir, 'heartbeat.json')), false);
    await done(w, 'live-finished');
  } finally {
    await server.close();
  }
});
