import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTerminal, renderMarkdown, renderCsv, renderJson, type Table } from '../src/reports/table.js';

const t: Table = {
  columns: [
    { key: 'scenario', title: 'scenario' },
    { key: 'ttft_ms_p50', title: 'TTFT p50 (ms)' },
    { key: 'note', title: 'note' },
  ],
  rows: [
    { scenario: 'in3_out50', ttft_ms_p50: 12.3456, note: 'a|b' },
    { scenario: 'in26_out100', ttft_ms_p50: null, note: 'x,"y"' },
  ],
};

test('terminal table right-aligns numbers and shows n/a for missing values', () => {
  assert.equal(
    renderTerminal(t),
    'scenario     TTFT p50 (ms)  note\n' +
      '───────────  ─────────────  ─────\n' +
      'in3_out50            12.35  a|b\n' +
      'in26_out100            n/a  x,"y"\n',
  );
});

test('markdown escapes pipes; csv keeps full precision and empty cells for missing', () => {
  assert.equal(renderMarkdown(t), '| scenario | TTFT p50 (ms) | note |\n|:---|---:|:---|\n| in3_out50 | 12.35 | a\\|b |\n| in26_out100 | n/a | x,"y" |\n');
  assert.equal(renderCsv(t), 'scenario,ttft_ms_p50,note\nin3_out50,12.3456,a|b\nin26_out100,,"x,""y"""\n');
  assert.deepEqual(JSON.parse(renderJson(t)), [
    { scenario: 'in3_out50', ttft_ms_p50: 12.3456, note: 'a|b' },
    { scenario: 'in26_out100', ttft_ms_p50: null, note: 'x,"y"' },
  ]);
});
