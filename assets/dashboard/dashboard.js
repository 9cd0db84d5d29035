/*
 * The llmbench dashboard's page script (the only script a page loads besides vega and vega-lite from the
 * package). Recorded strings only ever reach the page through textContent, never innerHTML.
 */
(function () {
  'use strict';

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function fmt(v) {
    if (v === null || v === undefined) return 'n/a';
    if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toFixed(Math.abs(v) < 1 ? 4 : 2)));
    if (typeof v === 'object') return JSON.stringify(v);
    return String(v);
  }

  const pageData = (function () {
    const s = document.getElementById('page-data');
    try { return s ? JSON.parse(s.textContent) : null; } catch (e) { return null; }
  })();

  // ---- charts: vega-lite specs compiled here, rendered as SVG, tooltips by our own handler -----------------

  let tip = null;
  function tooltip(handler, event, item, value) {
    if (!tip) { tip = el('div', { id: 'vg-tip', role: 'tooltip' }); document.body.appendChild(tip); }
    if (value === null || value === undefined || value === '') { tip.hidden = true; return; }
    const lines = typeof value === 'object' ? Object.entries(value).map(([k, v]) => k + ': ' + fmt(v)) : [String(value)];
    tip.textContent = lines.join('\n');
    tip.hidden = false;
    const x = event.clientX + 12, y = event.clientY + 12;
    tip.style.left = Math.min(x, window.innerWidth - tip.offsetWidth - 8) + 'px';
    tip.style.top = Math.min(y, window.innerHeight - tip.offsetHeight - 8) + 'px';
  }

  async function renderSpec(container, spec) {
    const compiled = vegaLite.compile(spec).spec;
    const view = new vega.View(vega.parse(compiled), { renderer: 'svg', container: container, hover: true });
    view.logLevel(vega.Error);
    view.tooltip(tooltip);
    await view.runAsync();
    return view;
  }

  async function renderFigure(fig) {
    const holder = fig.querySelector('.vega');
    const specEl = fig.querySelector('script.spec');
    if (!holder || !specEl || fig.dataset.rendered) return;
    try {
      const view = await renderSpec(holder, JSON.parse(specEl.textContent));
      if ((fig.dataset.chart || '').startsWith('timeline')) {
        view.addEventListener('click', function (ev, item) {
          const d = item && item.datum;
          if (d && typeof d.record === 'number') openRecord(d.record);
        });
      }
      fig.dataset.rendered = 'true';
    } catch (e) {
      holder.replaceChildren(el('p', { class: 'absent' }, 'chart could not be drawn: ' + e.message));
      fig.dataset.rendered = 'failed';
    }
  }

  async function renderAllCharts() {
    for (const fig of document.querySelectorAll('figure.chart')) await renderFigure(fig);
    document.body.dataset.chartsReady = 'true';
  }

  // ---- a request's record ----------------------------------------------------------------------------------

  const RECORD_FIELDS = [
    ['scenario_id', 'scenario'], ['repeat', 'repeat'], ['index', 'index'], ['warmup', 'warmup'], ['status', 'status'],
    ['scheduled_at', 'scheduled at (ms)'], ['sent_at', 'sent at (ms)'], ['first_token_at', 'first token at (ms)'], ['ended_at', 'ended at (ms)'],
    ['ttft_ms', 'TTFT (ms)'], ['ttfo_ms', 'TTFO (ms)'], ['tpot_ms', 'TPOT (ms)'], ['e2e_ms', 'E2E (ms)'], ['max_itl_ms', 'max ITL (ms)'],
    ['input_tokens', 'input tokens'], ['input_tokens_source', 'input tokens source'], ['output_tokens', 'output tokens'], ['output_tokens_source', 'output tokens source'],
    ['requested_output_tokens', 'requested output tokens'], ['reasoning_tokens', 'reasoning tokens'], ['cached_tokens', 'cached tokens'],
    ['finish_reason', 'finish reason'], ['tokens_per_s', 'tokens/s'],
  ];

  async function openRecord(i) {
    const panel = document.getElementById('record-panel');
    if (!panel || !pageData || !pageData.run) return;
    const res = await fetch('/api/runs/' + encodeURIComponent(pageData.run) + '/requests/' + encodeURIComponent(String(i)));
    const rec = await res.json();
    panel.replaceChildren();
    const head = el('div', { class: 'record-head' });
    head.appendChild(el('h3', { id: 'record-title' }, res.ok ? 'Request record #' + i + ' (' + rec.scenario_id + ' #' + rec.index + ')' : 'Request record #' + i));
    const close = el('button', { type: 'button', id: 'record-close' }, 'Close');
    close.addEventListener('click', function () { panel.hidden = true; });
    head.appendChild(close);
    panel.appendChild(head);
    if (!res.ok) { panel.appendChild(el('p', { class: 'error' }, rec.error || 'not found')); panel.hidden = false; panel.focus(); return; }
    const table = el('table', { class: 'record' });
    const body = el('tbody');
    for (const [k, label] of RECORD_FIELDS) {
      if (!(k in rec)) continue;
      const tr = el('tr');
      tr.appendChild(el('th', { scope: 'row' }, label));
      tr.appendChild(el('td', { 'data-field': k }, fmt(rec[k])));
      body.appendChild(tr);
    }
    table.appendChild(body);
    panel.appendChild(table);
    if (rec.error) {
      panel.appendChild(el('h4', {}, 'Error'));
      panel.appendChild(el('pre', { class: 'record-error' }, rec.error.kind + (rec.error.http_status ? ' (HTTP ' + rec.error.http_status + ')' : '') + ': ' + rec.error.message));
    }
    if (rec.server_timings) { panel.appendChild(el('h4', {}, 'Server timings')); panel.appendChild(el('pre', { class: 'record-server' }, JSON.stringify(rec.server_timings, null, 2))); }
    if (rec.engine) { panel.appendChild(el('h4', {}, 'Engine measurements')); panel.appendChild(el('pre', { class: 'record-engine' }, JSON.stringify(rec.engine, null, 2))); }
    if (rec.notes && rec.notes.length) { panel.appendChild(el('h4', {}, 'Notes')); panel.appendChild(el('pre', {}, rec.notes.join('\n'))); }
    panel.appendChild(el('h4', {}, 'Output text'));
    panel.appendChild(typeof rec.output_text === 'string' ? el('pre', { class: 'record-output' }, rec.output_text) : el('p', { class: 'absent' }, 'not kept for this request'));
    panel.hidden = false;
    panel.focus();
  }

  function setupRequests() {
    const list = document.getElementById('requests');
    if (list) list.addEventListener('click', function (ev) {
      const b = ev.target.closest('button.open-record');
      if (b) openRecord(Number(b.dataset.record));
    });
    document.addEventListener('keydown', function (ev) {
      const panel = document.getElementById('record-panel');
      if (ev.key === 'Escape' && panel && !panel.hidden) panel.hidden = true;
    });
  }

  // ---- the runs table: filter, sort, expand, select and compare ------------------------------------------

  function setupRuns() {
    const table = document.getElementById('runs');
    if (!table) return;
    const groups = Array.from(table.querySelectorAll('tbody.run'));
    const rows = new Map(groups.map(function (g) { return [g, JSON.parse(g.dataset.row)]; }));
    const $ = function (id) { return document.getElementById(id); };
    const count = $('shown-count');
    const compareBtn = $('compare-selected');
    // Enter in the text filter must not submit the form (and reload the page).
    $('filters').addEventListener('submit', function (ev) { ev.preventDefault(); });

    function apply() {
      const q = $('f-text').value.trim().toLowerCase();
      const model = $('f-model').value, target = $('f-target').value, from = $('f-from').value, to = $('f-to').value;
      let shown = 0;
      for (const [g, r] of rows) {
        const day = (r.started_at || '').slice(0, 10);
        const hay = [r.name, r.model, r.target, r.id, r.engine, r.status].filter(Boolean).join(' ').toLowerCase();
        const ok = (!q || hay.includes(q)) && (!model || r.model === model) && (!target || r.target === target) && (!from || day >= from) && (!to || (day !== '' && day <= to));
        g.hidden = !ok;
        if (ok) shown++;
      }
      count.textContent = shown + ' of ' + rows.size + ' runs';
    }
    for (const id of ['f-text', 'f-model', 'f-target', 'f-from', 'f-to']) { $(id).addEventListener('input', apply); $(id).addEventListener('change', apply); }

    let sortKey = null, dir = 1;
    table.querySelector('thead').addEventListener('click', function (ev) {
      const b = ev.target.closest('button.sort');
      if (!b) return;
      const key = b.dataset.key;
      dir = sortKey === key ? -dir : (['output_token_throughput', 'accuracy', 'started_at'].includes(key) ? -1 : 1);
      sortKey = key;
      for (const th of table.querySelectorAll('thead th')) th.setAttribute('aria-sort', 'none');
      b.parentElement.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
      const sorted = groups.slice().sort(function (a, c) {
        const x = rows.get(a)[key], y = rows.get(c)[key];
        if (x === null || x === undefined || x === '') return (y === null || y === undefined || y === '') ? 0 : 1;
        if (y === null || y === undefined || y === '') return -1;
        return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))) * dir;
      });
      for (const g of sorted) table.appendChild(g);
    });

    table.addEventListener('click', function (ev) {
      const b = ev.target.closest('button.expand');
      if (!b) return;
      const open = b.getAttribute('aria-expanded') !== 'true';
      b.setAttribute('aria-expanded', String(open));
      b.textContent = open ? '▾' : '▸';
      for (const tr of b.closest('tbody').querySelectorAll('tr.scenario')) tr.hidden = !open;
    });

    function picked() { return Array.from(table.querySelectorAll('input.pick:checked')).map(function (c) { return c.value; }); }
    table.addEventListener('change', function (ev) {
      if (!ev.target.classList.contains('pick')) return;
      const n = picked().length;
      compareBtn.disabled = n < 2;
      compareBtn.textContent = n ? 'Compare selected (' + n + ')' : 'Compare selected';
    });
    compareBtn.addEventListener('click', function () {
      const ids = picked();
      if (ids.length >= 2) location.href = '/compare?ids=' + ids.map(encodeURIComponent).join(',');
    });
  }

  // ---- live runs: server-sent events ----------------------------------------------------------------------

  const LIVE_WINDOW = 2000; // records kept per run for the rolling charts

  function liveSpecs() {
    const config = { font: 'DejaVu Sans', mark: { tooltip: true }, axis: { labelFontSize: 10, titleFontSize: 11 } };
    // The data arrive after the first render: the view must regrow for wider axis labels and legends.
    const autosize = { type: 'pad', resize: true };
    const x = { field: 't', type: 'quantitative', title: 'time since run start (s)', axis: { format: '~g', tickMinStep: 1 } };
    const point = function (field, title) {
      return { config: config, autosize: autosize, width: 420, height: 180, title: title, data: { name: 'values' }, mark: { type: 'point', filled: true, size: 24 },
        encoding: { x: x, y: { field: field, type: 'quantitative', title: title }, color: { field: 'scenario', type: 'nominal', title: 'scenario' } } };
    };
    return {
      ttft: point('ttft_ms', 'TTFT (ms)'),
      tpot: point('tpot_ms', 'TPOT (ms)'),
      tput: { config: config, autosize: autosize, width: 420, height: 180, title: 'output tokens/s (1 s windows)', data: { name: 'values' }, mark: { type: 'line', interpolate: 'step-after', point: true },
        encoding: { x: x, y: { field: 'tokens_per_s', type: 'quantitative', title: 'output tokens/s' } } },
    };
  }

  function throughputSeries(recs) {
    const buckets = new Map();
    for (const r of recs) {
      if (r.status !== 'ok' || r.t_ms === null || r.output_tokens === null) continue;
      const b = Math.floor(r.t_ms / 1000);
      buckets.set(b, (buckets.get(b) || 0) + r.output_tokens);
    }
    return Array.from(buckets.entries()).sort(function (a, b) { return a[0] - b[0]; }).map(function (e) { return { t: e[0], tokens_per_s: e[1] }; });
  }

  function setupLive() {
    const holder = document.getElementById('live-runs');
    if (!holder) return;
    const runs = new Map();
    const specs = liveSpecs();

    function section(id, name) {
      if (runs.has(id)) return runs.get(id);
      const none = document.getElementById('no-live');
      if (none) none.hidden = true;
      const s = el('section', { class: 'live-run', 'data-id': id });
      s.appendChild(el('h2', {}, (name || id) + ' (in progress)'));
      const prog = el('progress', { max: '1', value: '0', 'aria-label': 'scenarios done' });
      const text = el('p', { class: 'live-progress' }, 'waiting for the first request…');
      const charts = el('div', { class: 'live-charts' });
      const failures = el('ul', { class: 'failures' });
      s.append(prog, text, charts, el('h3', {}, 'Failures'), failures);
      holder.appendChild(s);
      const st = { section: s, prog: prog, text: text, failures: failures, records: [], views: {}, pending: false, ended: false, progress: null };
      for (const k of ['ttft', 'tpot', 'tput']) {
        const c = el('div', { class: 'live-chart', 'data-chart': k });
        charts.appendChild(c);
        renderSpec(c, specs[k]).then(function (v) { st.views[k] = v; redraw(st); }).catch(function (e) { c.textContent = 'chart could not be drawn: ' + e.message; });
      }
      runs.set(id, st);
      return st;
    }

    function redraw(st) {
      if (st.pending) return;
      st.pending = true;
      // At most a few redraws a second, however fast records arrive.
      setTimeout(async function () {
        st.pending = false;
        const ok = st.records.filter(function (r) { return !r.warmup && r.status === 'ok'; });
        const pts = ok.map(function (r) { return { t: r.t_ms / 1000, scenario: r.scenario_id, ttft_ms: r.ttft_ms, tpot_ms: r.tpot_ms }; });
        const data = { ttft: pts.filter(function (p) { return p.ttft_ms !== null; }), tpot: pts.filter(function (p) { return p.tpot_ms !== null; }), tput: throughputSeries(st.records) };
        for (const k of Object.keys(st.views)) {
          st.views[k].data('values', data[k]);
          await st.views[k].runAsync();
        }
        st.section.dataset.points = String(pts.length);
      }, 250);
    }

    function progressText(st) {
      const p = st.progress;
      if (!p) return;
      // Requests when the run's size is known (--requests), else scenarios.
      if (p.requests_total) { st.prog.max = p.requests_total; st.prog.value = Math.min(p.requests, p.requests_total); }
      else { st.prog.max = p.scenarios_total || 1; st.prog.value = p.scenarios_done; }
      st.text.textContent = 'scenarios ' + p.scenarios_done + ' of ' + (p.scenarios_total === null ? '?' : p.scenarios_total) + ' done · ' + p.requests + (p.requests_total ? ' of ' + p.requests_total : '') + ' requests recorded · ' + p.failed + ' failed';
      st.section.dataset.requests = String(p.requests);
    }

    const es = new EventSource('/api/live/events');
    es.addEventListener('started', function (ev) { const d = JSON.parse(ev.data); section(d.id, d.name); });
    es.addEventListener('records', function (ev) {
      const d = JSON.parse(ev.data);
      const st = section(d.id, '');
      for (const r of d.records) {
        st.records.push(r);
        if (r.status !== 'ok' && !r.warmup) st.failures.appendChild(el('li', {}, r.scenario_id + ' #' + r.index + ': ' + (r.error || r.status)));
      }
      if (st.records.length > LIVE_WINDOW) st.records.splice(0, st.records.length - LIVE_WINDOW);
      redraw(st);
    });
    es.addEventListener('progress', function (ev) { const d = JSON.parse(ev.data); const st = section(d.id, d.name); st.progress = d; progressText(st); });
    es.addEventListener('ended', function (ev) {
      const d = JSON.parse(ev.data);
      const st = runs.get(d.id);
      if (!st) return;
      st.ended = true;
      st.section.dataset.ended = 'true';
      const link = el('a', { href: '/runs/' + encodeURIComponent(d.id) }, 'finished: open the run');
      st.text.replaceChildren(link);
      // The only run being watched has finished: it becomes a normal run page.
      if (Array.from(runs.values()).every(function (x) { return x.ended; })) {
        es.close();
        location.href = '/runs/' + encodeURIComponent(d.id);
      }
    });
    window.addEventListener('beforeunload', function () { es.close(); });
  }

  function start() {
    setupRuns();
    setupRequests();
    setupLive();
    renderAllCharts();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
})();
