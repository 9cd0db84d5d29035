import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { buildCharts } from '../../src/reports/charts/index.js';
import { specToSvg, svgToPng, pngSize, svgSize, PNG_SCALE } from '../../src/reports/charts/render.js';
import { loadFixture } from './load.js';

const TESSERACT = '/usr/bin/tesseract';

async function overviewPng(): Promise<{ svg: string; png: Uint8Array }> {
  const spec = buildCharts([loadFixture('a'), loadFixture('b')])[0]!.spec!;
  const svg = await specToSvg(spec);
  return { svg, png: svgToPng(svg) };
}

test('overview PNG decodes with the SVG size scaled to 300 DPI and carries a pHYs chunk', async () => {
  const { svg, png } = await overviewPng();
  const s = svgSize(svg);
  const p = pngSize(png);
  assert.deepEqual(p, { width: Math.round(s.width * PNG_SCALE), height: Math.round(s.height * PNG_SCALE) });
  assert.ok(p.width > 2000 && p.height > 1000, JSON.stringify(p));
  const b = Buffer.from(png);
  // pHYs right after IHDR: 11811 px/m = 300 DPI, unit 1 (metre)
  assert.equal(b.toString('ascii', 37, 41), 'pHYs');
  assert.equal(b.readUInt32BE(41), 11811);
  assert.equal(b.readUInt32BE(45), 11811);
  assert.equal(b[49], 1);
  assert.throws(() => pngSize(Buffer.from('GIF89a..................')), /not a PNG/);
});

test('chart text renders with the bundled font (OCR with tesseract)', { skip: existsSync(TESSERACT) ? false : `${TESSERACT} is absent (apt-get install tesseract-ocr)` }, async () => {
  // 2× is plenty for OCR and keeps the test fast; the 300 DPI size is checked above.
  const spec = buildCharts([loadFixture('a'), loadFixture('b')])[0]!.spec!;
  const png = svgToPng(await specToSvg(spec), 2);
  const dir = mkdtempSync(join(tmpdir(), 'llmbench-ocr-'));
  try {
    const file = join(dir, 'overview.png');
    writeFileSync(file, png);
    const r = spawnSync(TESSERACT, [file, 'stdout', '--psm', '11'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const text = r.stdout.replace(/\s+/g, ' ');
    for (const word of ['Output throughput', 'TPOT', 'TTFT', 'Accuracy', 'Peak VRAM', 'KV cache size', '2 of 4 not measured', '171.4']) {
      assert.ok(text.includes(word), `OCR did not find '${word}' in: ${text}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
