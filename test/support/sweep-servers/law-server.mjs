#!/usr/bin/env node
// A scripted OpenAI-compatible streaming server, started as a real process by `llmbench sweep` tests. Its speed
// follows a known law of its settings and load: every token after the first waits
//   TPOT = base_ms × max(1, active / max_num_seqs)
// where `active` is the number of streams open at that moment, so under closed-loop concurrency c the TPOT is
// base × max(1, c / max_num_seqs) and the highest c meeting `tpot_ms.p90 <= L` is floor(L × max_num_seqs / base).
// With --overload-factor F the law is a step instead, as a server that preempts sequences past its batch limit:
//   TPOT = base_ms × (active > max_num_seqs ? F : 1)
// so the knee is exactly c = max_num_seqs, with a jump (F − 1) × base that timer noise on a busy machine cannot
// bridge. The first token comes after base_ms. Standalone .mjs (no tsx) so it starts in a few tens of milliseconds.
//
// Settings come from flags or from a MindIE-style JSON file (--config FILE):
//   { "ServerConfig": { "port": P }, "BackendConfig": { "ModelDeployConfig": { "ModelConfig": [ { "maxSeqs": M, "baseMs": B } ] } } }
// Failure modes for the lifecycle tests:
//   --fail-above-seqs N   exit 3 at start when max_num_seqs > N (a setting the "hardware" cannot take)
//   --never-ready         /health answers 503 forever
//   --die-after N         the process exits (code 7) when the N-th completion request arrives
//   --ignore-sigterm      SIGTERM is ignored (the sweep must escalate to SIGKILL)
//   --child               starts a child process in the same process group (it must die with the group)
//   --startup-ms N        /health answers 503 for the first N ms
//   --tls DIR             HTTPS with DIR/server.pem and DIR/server-key.pem, client certificates signed by DIR/ca.pem
//                         required (MindIE's default mutual TLS)
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const flag = (name) => args.includes(`--${name}`);

let port = Number(opt('port', 0));
let maxSeqs = Number(opt('max-num-seqs', 4));
let baseMs = Number(opt('base-ms', 10));
const configFile = opt('config', null);
if (configFile) {
  const c = JSON.parse(readFileSync(configFile, 'utf8'));
  port = c.ServerConfig.port;
  const m = c.BackendConfig.ModelDeployConfig.ModelConfig[0];
  maxSeqs = m.maxSeqs;
  baseMs = m.baseMs;
  if (typeof port !== 'number' || typeof maxSeqs !== 'number') {
    console.error(`config ${configFile}: port and maxSeqs must be numbers, got ${JSON.stringify(port)} and ${JSON.stringify(maxSeqs)}`);
    process.exit(2);
  }
}
console.log(`law-server: port ${port} max_num_seqs ${maxSeqs} base_ms ${baseMs} pid ${process.pid}`);

const failAbove = opt('fail-above-seqs', null);
if (failAbove !== null && maxSeqs > Number(failAbove)) {
  console.error(`law-server: max_num_seqs ${maxSeqs} does not fit (limit ${failAbove}): out of memory`);
  process.exit(3);
}
if (flag('ignore-sigterm')) process.on('SIGTERM', () => console.log('law-server: SIGTERM ignored'));
if (flag('child')) {
  const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  console.log(`law-server: child ${c.pid}`);
}
const dieAfter = Number(opt('die-after', 0));
const overload = opt('overload-factor', null);
const tpotMs = () => (overload !== null ? baseMs * (active > maxSeqs ? Number(overload) : 1) : baseMs * Math.max(1, active / maxSeqs));
const startupMs = Number(opt('startup-ms', 0));
const t0 = Date.now();

let active = 0;
let completions = 0;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const words = (s) => String(s).split(/\s+/).filter(Boolean).length;

function send(res, status, body) {
  const s = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(s) });
  res.end(s);
}

async function complete(res, body, chat) {
  completions++;
  if (dieAfter && completions >= dieAfter) {
    console.error(`law-server: dying on completion request ${completions}`);
    process.exit(7);
  }
  const n = Math.max(1, body.max_tokens ?? body.max_completion_tokens ?? 16);
  const prompt = chat ? body.messages.map((m) => m.content).join(' ') : body.prompt;
  const pTokens = words(prompt) + (chat ? 4 : 0);
  const meta = { id: 'cmpl-law', created: 1795423603, model: 'law', object: chat ? 'chat.completion.chunk' : 'text_completion' };
  const choice = (text, finish) => (chat ? { index: 0, delta: text === null ? {} : { content: text }, finish_reason: finish } : { index: 0, text: text ?? '', finish_reason: finish });
  const sse = (o) => res.write(`data: ${typeof o === 'string' ? o : JSON.stringify(o)}\n\n`);
  active++;
  let closed = false;
  res.on('close', () => (closed = true));
  try {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    await sleep(baseMs);
    for (let i = 0; i < n && !closed; i++) {
      if (i > 0) await sleep(tpotMs());
      sse({ ...meta, choices: [choice(` w${i}`, null)] });
    }
    sse({ ...meta, choices: [choice(null, 'length')] });
    if (body.stream_options?.include_usage) sse({ ...meta, choices: [], usage: { prompt_tokens: pTokens, completion_tokens: n, total_tokens: pTokens + n } });
    sse('[DONE]');
    res.end();
  } finally {
    active--;
  }
}

const tlsDir = opt('tls', null);
const handler = (req, res) => {
  let raw = '';
  req.on('data', (d) => (raw += d));
  req.on('end', () => {
    const path = new URL(req.url, 'http://x').pathname;
    let body = {};
    try {
      body = raw ? JSON.parse(raw) : {};
    } catch {
      return send(res, 400, { error: { message: 'bad JSON' } });
    }
    if (path === '/health') return flag('never-ready') || Date.now() - t0 < startupMs ? send(res, 503, { status: 'loading' }) : send(res, 200, { status: 'ok' });
    if (path === '/v1/models') return send(res, 200, { object: 'list', data: [{ id: 'law', object: 'model', created: 1, owned_by: 'vllm', max_model_len: 4096 }] });
    if (path === '/settings') return send(res, 200, { port, max_num_seqs: maxSeqs, base_ms: baseMs });
    if (req.method === 'POST' && path === '/tokenize') {
      const text = body.prompt ?? body.messages?.map((m) => m.content).join(' ') ?? '';
      const n = words(text) + (body.messages ? 4 : 0);
      return send(res, 200, { count: n, max_model_len: 4096, tokens: Array.from({ length: n }, (_, i) => 100 + i) });
    }
    if (req.method === 'POST' && path === '/detokenize') return send(res, 200, { prompt: (body.tokens ?? []).map((t) => `t${t}`).join(' ') });
    if (req.method === 'POST' && path === '/reset_prefix_cache') return send(res, 200, {});
    if (req.method === 'POST' && (path === '/v1/chat/completions' || path === '/v1/completions')) {
      complete(res, body, path === '/v1/chat/completions').catch((e) => {
        console.error(e);
        res.destroy();
      });
      return;
    }
    send(res, 404, { error: { message: `no route ${req.method} ${path}` } });
  });
};
const server = tlsDir
  ? createHttpsServer({ key: readFileSync(`${tlsDir}/server-key.pem`), cert: readFileSync(`${tlsDir}/server.pem`), ca: readFileSync(`${tlsDir}/ca.pem`), requestCert: true, rejectUnauthorized: true }, handler)
  : createServer(handler);
server.listen(port, '127.0.0.1', () => console.log(`law-server: listening on 127.0.0.1:${server.address().port}`));
process.on('SIGTERM', () => {
  if (flag('ignore-sigterm')) return;
  server.close();
  process.exit(0);
});
