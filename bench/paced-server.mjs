// The paced streaming server of bench/paced.ts, run in its own process (so its CPU is never the client's).
// Usage: node bench/paced-server.mjs [tokens=128] [ttft_ms=50] [gap_ms=20]
// Prints its port on stdout. Every request (OpenAI chat or completions, streaming) gets `tokens` tokens, each in
// its own SSE write: the first at TTFT + a phase in [0, gap) drawn per request (so streams started together are
// not in step), then one every gap_ms, each due time counted from the request's own start (no drift). The finish
// chunk, the usage chunk and [DONE] follow the last token in one write.
// GET /log returns, per x-request-id, the epoch ms (performance.timeOrigin + now) of each token write, and clears it.
import { createServer } from 'node:http';

const tokens = Number(process.argv[2] ?? 128);
const ttft = Number(process.argv[3] ?? 50);
const gap = Number(process.argv[4] ?? 20);
const log = new Map();
const now = () => performance.timeOrigin + performance.now();
const chat = (i) => `data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"bench","choices":[{"index":0,"delta":{"content":" t${i}"},"finish_reason":null}]}\n\n`;
const completion = (i) => `data: {"id":"c","object":"text_completion","created":1,"model":"bench","choices":[{"index":0,"text":" t${i}","finish_reason":null}]}\n\n`;
const tail = (isChat) =>
  (isChat ? 'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"bench","choices":[{"index":0,"delta":{},"finish_reason":"length"}]}\n\n' : 'data: {"id":"c","object":"text_completion","created":1,"model":"bench","choices":[{"index":0,"text":"","finish_reason":"length"}]}\n\n') +
  `data: {"id":"c","choices":[],"usage":{"prompt_tokens":8,"completion_tokens":${tokens},"total_tokens":${tokens + 8}}}\n\ndata: [DONE]\n\n`;

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/v1/models') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"object":"list","data":[{"id":"bench","object":"model"}]}');
    return;
  }
  if (req.method === 'GET' && req.url === '/log') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(Object.fromEntries(log)));
    log.clear();
    return;
  }
  const start = performance.now();
  const isChat = (req.url ?? '').includes('chat');
  req.resume();
  req.on('end', () => {
    const id = String(req.headers['x-request-id'] ?? '');
    const times = [];
    if (id) log.set(id, times);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const first = start + ttft + Math.random() * gap;
    let i = 0;
    const tick = () => {
      if (res.destroyed) return;
      times.push(now());
      res.write(isChat ? chat(i) : completion(i));
      i++;
      if (i < tokens) setTimeout(tick, Math.max(0, first + i * gap - performance.now()));
      else res.end(tail(isChat));
    };
    setTimeout(tick, Math.max(0, first - performance.now()));
  });
});
server.keepAliveTimeout = 60_000;
server.headersTimeout = 0;
server.requestTimeout = 0;
server.maxConnections = 100_000;
server.listen(0, '127.0.0.1', 4096, () => console.log(server.address().port));
