/**
 * A lean HTTP/1.1 client for one thing: POSTing a request over plain http:// and handing every read of a streamed
 * response straight to a callback. Each token of a paced stream arrives in its own read, so the work per read is
 * the client's ceiling: here a read is one flowing-mode 'data' event on a net.Socket, one scan of the chunked
 * framing and one callback, with no Readable stream, nextTick or WebAssembly parser in between (bench/paced.ts).
 * TLS and everything that is not a streamed POST stay on undici (http.ts).
 *
 * Keep-alive pool of up to `connections` sockets; a response ends the request when its framing says so (chunked,
 * content-length, or the connection closing); a socket returns to the pool only after a complete response without
 * `connection: close`. Errors carry undici's codes (UND_ERR_HEADERS_TIMEOUT, UND_ERR_BODY_TIMEOUT,
 * UND_ERR_CONNECT_TIMEOUT, UND_ERR_SOCKET, or the socket's own code) so http.ts maps both transports alike.
 */
import { connect, type Socket } from 'node:net';

export type RawHeaders = Record<string, string | string[] | undefined>;

/** What the transport reports; `abort` stops the request and closes its socket. */
export interface H1Handler {
  onStart(abort: (e: Error) => void): void;
  onResponseStart(status: number, headers: RawHeaders): void;
  onResponseData(chunk: Buffer): void;
  onResponseEnd(): void;
  onResponseError(e: Error): void;
}

export interface H1Options {
  host: string;
  port: number;
  connections: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  connectTimeoutMs: number;
}

function coded(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

const MAX_HEAD = 64 * 1024;
const CRLF2 = Buffer.from('\r\n\r\n');

export class H1Pool {
  private idle: Socket[] = [];
  private open = 0;
  private waiting: ((s: Socket | Error) => void)[] = [];
  private closed = false;

  constructor(private readonly o: H1Options) {}

  post(path: string, headers: Record<string, string>, body: string, h: H1Handler): void {
    let head = `POST ${path} HTTP/1.1\r\nhost: ${this.o.host.includes(':') ? `[${this.o.host}]` : this.o.host}:${this.o.port}\r\n`;
    for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() !== 'host' && k.toLowerCase() !== 'content-length') head += `${k}: ${v}\r\n`;
    head += `content-length: ${Buffer.byteLength(body)}\r\n\r\n`;
    const req = new H1Request(this, h, head + body, this.o);
    h.onStart((e) => req.abort(e));
    if (req.done) return;
    this.acquire((s) => (s instanceof Error ? req.fail(s) : req.run(s)));
  }

  close(): void {
    this.closed = true;
    for (const s of this.idle) s.destroy();
    this.idle = [];
    for (const w of this.waiting.splice(0)) w(coded('UND_ERR_CLOSED', 'the client is closed'));
  }

  private acquire(cb: (s: Socket | Error) => void): void {
    if (this.closed) return cb(coded('UND_ERR_CLOSED', 'the client is closed'));
    // An idle socket the server has begun to close (its FIN read, 'close' not yet emitted) is not reused.
    for (let s = this.idle.pop(); s; s = this.idle.pop()) {
      s.removeAllListeners('close');
      s.removeAllListeners('error');
      s.removeAllListeners('data');
      if (!s.destroyed && s.writable && !s.readableEnded) return cb(s);
      s.destroy();
      this.open--;
    }
    if (this.open >= this.o.connections) {
      this.waiting.push(cb);
      return;
    }
    this.open++;
    const sock = connect({ host: this.o.host, port: this.o.port, noDelay: true });
    let settled = false;
    const timer = setTimeout(() => fail(coded('UND_ERR_CONNECT_TIMEOUT', 'connect timeout')), this.o.connectTimeoutMs);
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      this.dropped();
      cb(e);
    };
    sock.once('error', fail);
    sock.once('connect', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.removeListener('error', fail);
      cb(sock);
    });
  }

  /** A socket is closed for good: its slot goes to the next waiting request. */
  dropped(): void {
    this.open--;
    const next = this.waiting.shift();
    if (next) {
      // Opening a fresh socket for it: count it in acquire.
      this.acquire(next);
    }
  }

  /** A socket finished a response cleanly: reuse it, or keep it idle until the server closes it. */
  release(s: Socket): void {
    const next = this.waiting.shift();
    if (next) return next(s);
    if (this.closed) {
      s.destroy();
      this.open--;
      return;
    }
    const gone = () => {
      const i = this.idle.indexOf(s);
      if (i >= 0) {
        this.idle.splice(i, 1);
        this.open--;
      }
      s.destroy();
    };
    s.once('close', gone);
    s.once('error', gone);
    s.on('data', gone); // nothing may arrive on an idle keep-alive connection
    this.idle.push(s);
  }
}

/** A chunk-size line's value (hex digits, then optional `;extensions` and CR), or -1 when it is not one. */
function hexAt(b: Buffer, from: number, to: number): number {
  let n = 0;
  let digits = 0;
  for (let k = from; k < to; k++) {
    const c = b[k]!;
    const v = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (v < 0) {
      if (c === 59 /* ; */ || c === 13 || c === 32 || c === 9) break;
      return -1;
    }
    n = n * 16 + v;
    digits++;
  }
  return digits > 0 && digits <= 12 ? n : -1;
}

function hexSize(line: string): number {
  const b = Buffer.from(line, 'latin1');
  return hexAt(b, 0, b.length);
}

type Phase = 'head' | 'size' | 'data' | 'crlf' | 'trailer' | 'length' | 'close' | 'done';

class H1Request {
  done = false;
  private sock: Socket | null = null;
  private phase: Phase = 'head';
  private headParts: Buffer[] = [];
  private headBytes = 0;
  private remaining = 0;
  private line: Buffer[] = [];
  private keepAlive = true;
  private timer: NodeJS.Timeout | null = null;
  private started = false;
  /** When the last read came (performance.now()): the body timer checks it when it fires, not re-armed per read. */
  private lastRead = 0;

  constructor(private readonly pool: H1Pool, private readonly h: H1Handler, private readonly wire: string, private readonly o: H1Options) {}

  run(s: Socket): void {
    if (this.done) {
      this.pool.release(s);
      return;
    }
    this.sock = s;
    s.on('data', (b: Buffer) => this.read(b));
    s.on('error', (e) => this.lost(e));
    s.on('close', () => this.closedBySocket());
    this.timer = setTimeout(() => this.fail(coded(this.phase === 'head' ? 'UND_ERR_HEADERS_TIMEOUT' : 'UND_ERR_BODY_TIMEOUT', 'timeout'), true), this.o.headersTimeoutMs);
    s.write(this.wire);
  }

  abort(e: Error): void {
    this.fail(e, false);
  }

  /** Ends the request with `e`; `report`: tell the handler (not when the handler itself asked to abort). */
  fail(e: Error, report = true): void {
    if (this.done) return;
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.sock) {
      this.sock.destroy();
      this.sock.removeAllListeners('close');
      this.pool.dropped();
    }
    if (report) this.h.onResponseError(e);
  }

  private lost(e: Error): void {
    this.fail(e);
  }

  private closedBySocket(): void {
    if (this.done) return;
    if (this.phase === 'close') {
      this.finish(false);
      return;
    }
    this.fail(coded('UND_ERR_SOCKET', 'other side closed'));
  }

  private finish(reuse: boolean): void {
    this.done = true;
    this.phase = 'done';
    if (this.timer) clearTimeout(this.timer);
    const s = this.sock!;
    s.removeAllListeners('data');
    s.removeAllListeners('error');
    s.removeAllListeners('close');
    if (reuse && this.keepAlive && !s.destroyed) this.pool.release(s);
    else {
      s.destroy();
      this.pool.dropped();
    }
    this.h.onResponseEnd();
  }

  private read(b: Buffer): void {
    if (this.done) return;
    this.lastRead = performance.now();
    let i = 0;
    while (i < b.length && !this.done) {
      switch (this.phase) {
        case 'head': {
          i = this.readHead(b, i);
          break;
        }
        case 'size': {
          const nl = b.indexOf(10, i);
          if (nl < 0) {
            this.keepLine(b.subarray(i));
            return;
          }
          const size = this.line.length ? hexSize(this.takeLine(b.subarray(i, nl))) : hexAt(b, i, nl);
          i = nl + 1;
          if (size < 0) return this.fail(coded('UND_ERR_SOCKET', 'bad chunk size line'));
          if (size === 0) this.phase = 'trailer';
          else {
            this.remaining = size;
            this.phase = 'data';
          }
          break;
        }
        case 'data': {
          const n = Math.min(this.remaining, b.length - i);
          const part = i === 0 && n === b.length ? b : b.subarray(i, i + n);
          i += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            this.phase = 'crlf';
            this.remaining = 2;
          }
          this.h.onResponseData(part);
          break;
        }
        case 'crlf': {
          // The CRLF after a chunk's data (tolerating a bare LF).
          const c = b[i++]!;
          if (c === 10) this.phase = 'size';
          else if (c !== 13) return this.fail(coded('UND_ERR_SOCKET', 'missing CRLF after a chunk'));
          break;
        }
        case 'trailer': {
          const nl = b.indexOf(10, i);
          if (nl < 0) {
            this.keepLine(b.subarray(i));
            return;
          }
          const text = this.takeLine(b.subarray(i, nl));
          i = nl + 1;
          if (text === '') return this.finish(i === b.length);
          break;
        }
        case 'length': {
          const n = Math.min(this.remaining, b.length - i);
          const part = i === 0 && n === b.length ? b : b.subarray(i, i + n);
          i += n;
          this.remaining -= n;
          this.h.onResponseData(part);
          if (this.remaining === 0 && !this.done) return this.finish(i === b.length);
          break;
        }
        case 'close': {
          this.h.onResponseData(i === 0 ? b : b.subarray(i));
          return;
        }
        default:
          return;
      }
    }
  }

  /** No data for bodyTimeoutMs fails the request; the timer is re-armed only when it fires early, not on every read. */
  private armBodyTimer(ms: number): void {
    this.timer = setTimeout(() => {
      if (this.done) return;
      const idle = performance.now() - this.lastRead;
      if (idle >= this.o.bodyTimeoutMs) this.fail(coded('UND_ERR_BODY_TIMEOUT', 'body timeout'));
      else this.armBodyTimer(this.o.bodyTimeoutMs - idle);
    }, Math.max(1, ms));
  }

  private keepLine(b: Buffer): void {
    this.line.push(b);
    if (this.line.reduce((n, x) => n + x.length, 0) > 4096) this.fail(coded('UND_ERR_SOCKET', 'chunk framing line too long'));
  }

  private takeLine(b: Buffer): string {
    let buf = b;
    if (this.line.length) {
      this.line.push(b);
      buf = Buffer.concat(this.line);
      this.line = [];
    }
    const s = buf.toString('latin1');
    return s.endsWith('\r') ? s.slice(0, -1) : s;
  }

  /** Reads the status line and headers; returns where the body starts in `b` (or b.length while incomplete). */
  private readHead(b: Buffer, from: number): number {
    const chunk = from === 0 ? b : b.subarray(from);
    this.headParts.push(chunk);
    this.headBytes += chunk.length;
    const all = this.headParts.length === 1 ? chunk : Buffer.concat(this.headParts);
    const end = all.indexOf(CRLF2);
    if (end < 0) {
      if (this.headBytes > MAX_HEAD) this.fail(coded('UND_ERR_HEADERS_OVERFLOW', 'response headers too large'));
      else if (this.headParts.length > 1) this.headParts = [all];
      return b.length;
    }
    this.headParts = [];
    this.headBytes = 0;
    const lines = all.subarray(0, end).toString('latin1').split('\r\n');
    const m = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0]!);
    if (!m) {
      this.fail(coded('UND_ERR_SOCKET', `not an HTTP response: ${lines[0]!.slice(0, 60)}`));
      return b.length;
    }
    const status = Number(m[2]);
    const headers: RawHeaders = {};
    for (let k = 1; k < lines.length; k++) {
      const c = lines[k]!.indexOf(':');
      if (c <= 0) continue;
      const name = lines[k]!.slice(0, c).trim().toLowerCase();
      const value = lines[k]!.slice(c + 1).trim();
      const prev = headers[name];
      headers[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
    }
    // Where the body starts in `b`: what of `all` lies past the head belongs to b's tail.
    const rest = all.length - (end + 4);
    const bodyStart = b.length - rest;
    if (status >= 100 && status < 200) return bodyStart; // informational: the real head follows
    const conn = String(headers.connection ?? '').toLowerCase();
    this.keepAlive = m[1] === '1' ? !conn.includes('close') : conn.includes('keep-alive');
    const te = String(headers['transfer-encoding'] ?? '').toLowerCase();
    const cl = headers['content-length'];
    if (status === 204 || status === 304) {
      this.remaining = 0;
      this.phase = 'length';
    } else if (te.includes('chunked')) this.phase = 'size';
    else if (typeof cl === 'string' && /^\d+$/.test(cl)) {
      this.remaining = Number(cl);
      this.phase = 'length';
    } else {
      this.phase = 'close';
      this.keepAlive = false;
    }
    this.started = true;
    if (this.timer) {
      clearTimeout(this.timer);
      this.armBodyTimer(this.o.bodyTimeoutMs);
    }
    this.h.onResponseStart(status, headers);
    if (!this.done && this.phase === 'length' && this.remaining === 0) this.finish(bodyStart === b.length);
    return bodyStart;
  }
}
