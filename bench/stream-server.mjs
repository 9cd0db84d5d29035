// A zero-latency OpenAI-style streaming server for bench/client-overhead.ts, run in its own process.
// Usage: node bench/stream-server.mjs <tokens> <interval_ms>
// Prints its port on stdout. GET /log returns, per request id, the epoch ms (performance.timeOrigin + now) at
// which each token was written, so the client's measured gaps can be compared with the real ones.
import { createServer } from 'node:http';

const tokens = Number(process.argv[2] ?? 64);
const interval = Number(process.argv[3] ?? 0);
const log = new Map();
const now = () => performance.timeOrigin + performance.now();
const chunk = (i) => `data: {"choices":[{"index":0,"delta":{"content":" t${i}"},"finish_reason":null}]}\n\n`;

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
  req.resume();
  req.on('end', () => {
    const id = String(req.headers['x-request-id'] ?? '');
    const times = [];
    log.set(id, times);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    let i = 0;
    const finish = () => {
      res.write('data: {"choices":[{"index":0,"delta":{},"finish_reason":"length"}]}\n\n');
      res.end(`data: {"choices":[],"usage":{"prompt_tokens":8,"completion_tokens":${tokens},"total_tokens":${tokens + 8}}}\n\ndata: [DONE]\n\n`);
    };
    if (interval <= 0) {
      // As fast as the socket takes it: every token in its own write.
      const burst = () => {
        while (i < tokens) {
          times.push(now());
          const ok = res.write(chunk(i++));
          if (!ok) return void res.once('drain', burst);
        }
        finish();
      };
      burst();
      return;
    }
    const tick = () => {
      times.push(now());
      res.write(chunk(i++));
      if (i < tokens) setTimeout(tick, interval);
      else finish();
    };
    tick();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
