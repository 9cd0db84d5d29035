import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, htmlTable, isInertSvg, renderHtmlReport } from '../../src/reports/html.js';
import { loadFixture } from './load.js';

test('escapeHtml escapes the five HTML-significant characters', () => {
  assert.equal(escapeHtml(`<script>"a" & 'b'</textarea>`), '&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/textarea&gt;');
});

test('htmlTable: escaped cells, numbers right-aligned, n/a for missing', () => {
  const html = htmlTable({ title: 'T<', columns: [{ key: 'a', title: 'a"' }, { key: 'b', title: 'b' }], rows: [{ a: '<b>x</b>', b: 1.5 }, { a: null, b: null }] });
  assert.equal(
    html,
    '<table><caption>T&lt;</caption><thead><tr><th>a&quot;</th><th>b</th></tr></thead><tbody>\n' +
      '<tr><td>&lt;b&gt;x&lt;/b&gt;</td><td class="num">1.50</td></tr>\n<tr><td>n/a</td><td>n/a</td></tr>\n</tbody></table>',
  );
});

test('only inert SVG is inlined', () => {
  assert.equal(isInertSvg('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><text>hi</text></svg>'), true);
  assert.equal(isInertSvg('<svg><script>alert(1)</script></svg>'), false);
  assert.equal(isInertSvg('<svg><rect onload="alert(1)"/></svg>'), false);
  assert.equal(isInertSvg('<svg><image href="https://evil.example/x.png"/></svg>'), false);
  assert.equal(isInertSvg('<svg><foreignObject></foreignObject></svg>'), false);
});

test('report.html escapes every model- and user-provided string', () => {
  const evil = loadFixture('evil');
  const html = renderHtmlReport([evil], [{ def: { name: 'x', title: 'chart <b>', spec: null, absent: 'why <i>' }, svg: null }, { def: { name: 'y', title: 'bad', spec: null }, svg: '<svg><script>alert(1)</script></svg>' }]);
  // the only tags are ours: no script, no img, no textarea, no event handlers
  assert.doesNotMatch(html, /<script|<img|<textarea|<iframe/i);
  assert.doesNotMatch(html, /<[^>]*\son[a-z]+=/i);
  assert.match(html, /&lt;\/textarea&gt;&lt;script&gt;fetch\(&quot;http:\/\/evil.example\/x&quot;\)&lt;\/script&gt; &quot;quotes&quot; &amp; &#39;apos&#39; &lt;!-- --&gt;/);
  assert.match(html, /<title>llmbench report: &lt;script&gt;alert\(&quot;name&quot;\)&lt;\/script&gt;<\/title>/);
  assert.match(html, /<td>model<\/td><td>m&lt;\/textarea&gt;&lt;img src=x onerror=alert\(1\)&gt;&quot;&#39;&amp;<\/td>/);
  assert.match(html, /<p class="absent">why &lt;i&gt;<\/p>/);
  assert.match(html, /<figure class="chart" data-chart="y"><figcaption>bad<\/figcaption><p class="absent">chart could not be drawn<\/p>/);
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">/);
  assert.doesNotMatch(html, /https?:\/\/(?!127\.0\.0\.1|evil\.example)/); // no external URLs except the escaped ones from the data
});
