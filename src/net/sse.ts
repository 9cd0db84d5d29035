/**
 * Stream framing shared by every server target: Server-Sent Events and NDJSON, fed raw network reads.
 *
 * Tolerant on purpose, because servers differ (../shared/reference/protocols.md §0.1):
 * - `data:` with or without the space after the colon (TGI writes `data:{...}`); exactly one space is stripped;
 * - comment / keep-alive lines starting with `:` are ignored;
 * - llama.cpp before PR #16109 sends mid-stream errors on a non-standard `error:` field: surfaced as an error event;
 * - CRLF and LF line endings; a final event without the trailing blank line is still delivered at end();
 * - UTF-8 split across network reads is reassembled: lines are cut on the bytes and only whole lines decoded;
 * - a UTF-8 byte-order mark at the start of the stream is dropped.
 *
 * Bounded on purpose: each read is scanned for newlines once (the unfinished line is kept as pieces, never rescanned),
 * and a line or event longer than `maxEventBytes` fails the request (kind 'parse') instead of growing without end.
 */
import { RequestFailure } from '../core/failure.js';

/** Default cap on one line / event: far above any real chunk, far below what would exhaust memory. */
export const DEFAULT_MAX_EVENT_BYTES = 16 * 1024 * 1024;

export interface StreamEvent {
  /** 'data' for `data:` payloads (joined with \n when an event has several data lines), 'error' for `error:`. */
  kind: 'data' | 'error';
  data: string;
  /** The `event:` field, when the server sets one. */
  event?: string;
}

export interface StreamReader {
  push(chunk: Uint8Array): void;
  end(): void;
}

function tooLong(max: number): RequestFailure {
  return new RequestFailure('parse', `a stream event is longer than --max-event-bytes (${max} bytes) with no end in sight; raise --max-event-bytes if the server really sends such events`);
}

/**
 * Splits reads into lines (LF or CRLF) on the bytes, scanning every byte once; throws once a line passes `max` bytes.
 * Only whole lines are decoded, so a UTF-8 character split across reads is never cut (a newline byte never occurs
 * inside a multi-byte character), and a read that holds whole lines (the usual case) is decoded without a copy.
 * `onLine` gets the line's UTF-8 size with it, so nothing downstream measures it again.
 */
const BOM = [0xef, 0xbb, 0xbf];

class LineSplitter {
  private parts: Buffer[] = [];
  private pendingBytes = 0;
  private first = true;

  constructor(private readonly onLine: (line: string, bytes: number) => void, private readonly max: number) {}

  push(chunk: Uint8Array): void {
    let buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.first) {
      // A UTF-8 byte-order mark opens the stream, not its first line (as a TextDecoder drops it): hold the first
      // bytes until it is known whether they are one.
      if (this.parts.length) {
        buf = Buffer.concat([...this.parts, buf]);
        this.parts = [];
        this.pendingBytes = 0;
      }
      if (buf.length < 3 && buf.every((x, i) => x === BOM[i])) {
        if (buf.length) this.keep(buf);
        return;
      }
      this.first = false;
      if (buf[0] === BOM[0] && buf[1] === BOM[1] && buf[2] === BOM[2]) buf = buf.subarray(3);
    }
    let start = 0;
    for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10, start)) {
      this.emit(buf, start, nl);
      start = nl + 1;
    }
    if (start < buf.length) this.keep(start === 0 ? buf : buf.subarray(start));
  }

  end(): void {
    if (this.parts.length) this.emit(Buffer.alloc(0), 0, 0);
  }

  private keep(b: Buffer): void {
    this.parts.push(b);
    this.pendingBytes += b.length;
    if (this.pendingBytes > this.max) throw tooLong(this.max);
  }

  private emit(buf: Buffer, start: number, end: number): void {
    if (this.parts.length) {
      this.parts.push(buf.subarray(start, end));
      buf = Buffer.concat(this.parts, this.pendingBytes + end - start);
      this.parts = [];
      this.pendingBytes = 0;
      start = 0;
      end = buf.length;
    }
    if (end - start > this.max) throw tooLong(this.max);
    if (end > start && buf[end - 1] === 13) end--;
    this.onLine(buf.toString('utf8', start, end), end - start);
  }
}

export class SseReader implements StreamReader {
  private readonly lines: LineSplitter;
  private data: string[] = [];
  private dataBytes = 0;
  private error: string[] = [];
  private event: string | undefined;

  constructor(private readonly onEvent: (e: StreamEvent) => void, private readonly maxEventBytes = DEFAULT_MAX_EVENT_BYTES) {
    this.lines = new LineSplitter((l, bytes) => this.line(l, bytes), maxEventBytes);
  }

  push(chunk: Uint8Array): void {
    this.lines.push(chunk);
  }

  end(): void {
    this.lines.end();
    this.dispatch();
  }

  private line(line: string, bytes: number): void {
    if (line === '') {
      this.dispatch();
      return;
    }
    const c0 = line.charCodeAt(0);
    if (c0 === 58 /* ':' */) return;
    // The usual line, `data: ...` / `data:...`, without the general field split below.
    if (c0 === 100 && line.startsWith('data:')) {
      const skip = line.charCodeAt(5) === 32 ? 6 : 5;
      // An event of many data lines is capped as a whole, like one long line (the prefix is ASCII: bytes = chars).
      this.dataBytes += bytes - skip + 1;
      if (this.dataBytes > this.maxEventBytes + 1) throw tooLong(this.maxEventBytes);
      this.data.push(line.slice(skip));
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') {
      this.dataBytes += 1; // `data` alone: an empty data line
      if (this.dataBytes > this.maxEventBytes + 1) throw tooLong(this.maxEventBytes);
      this.data.push(value);
    } else if (field === 'error') this.error.push(value);
    else if (field === 'event') this.event = value;
  }

  private dispatch(): void {
    if (this.data.length) {
      const data = this.data.length === 1 ? this.data[0]! : this.data.join('\n');
      this.data = [];
      this.dataBytes = 0;
      this.onEvent(this.event === undefined ? { kind: 'data', data } : { kind: 'data', data, event: this.event });
    }
    if (this.error.length) {
      const data = this.error.join('\n');
      this.error = [];
      this.onEvent({ kind: 'error', data });
    }
    this.event = undefined;
  }
}

/** Newline-delimited JSON (Ollama's native API): one event per non-empty line. */
export class NdjsonReader implements StreamReader {
  private readonly lines: LineSplitter;

  constructor(onEvent: (e: StreamEvent) => void, maxEventBytes = DEFAULT_MAX_EVENT_BYTES) {
    this.lines = new LineSplitter((l) => {
      const line = l.trim();
      if (line) onEvent({ kind: 'data', data: line });
    }, maxEventBytes);
  }

  push(chunk: Uint8Array): void {
    this.lines.push(chunk);
  }

  end(): void {
    this.lines.end();
  }
}
