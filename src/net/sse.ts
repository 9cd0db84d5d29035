/**
 * Stream framing shared by every server target: Server-Sent Events and NDJSON, fed raw network reads.
 *
 * Tolerant on purpose, because servers differ (../shared/reference/protocols.md §0.1):
 * - `data:` with or without the space after the colon (TGI writes `data:{...}`); exactly one space is stripped;
 * - comment / keep-alive lines starting with `:` are ignored;
 * - llama.cpp before PR #16109 sends mid-stream errors on a non-standard `error:` field: surfaced as an error event;
 * - CRLF and LF line endings; a final event without the trailing blank line is still delivered at end();
 * - UTF-8 split across network reads is reassembled by a streaming TextDecoder.
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

/** UTF-8 size of `s`, computed only when it could be over `max` (a UTF-16 unit is at most 3 UTF-8 bytes). */
function over(s: string, max: number): boolean {
  return s.length * 3 > max && Buffer.byteLength(s) > max;
}

/** Splits reads into lines (LF or CRLF), scanning every byte once; throws once a line passes `max` bytes. */
class LineSplitter {
  private readonly decoder = new TextDecoder('utf-8');
  private parts: string[] = [];
  private pendingBytes = 0;

  constructor(private readonly onLine: (line: string) => void, private readonly max: number) {}

  push(chunk: Uint8Array): void {
    this.scan(this.decoder.decode(chunk, { stream: true }));
  }

  end(): void {
    this.scan(this.decoder.decode());
    if (this.parts.length) this.emit('');
  }

  private scan(text: string): void {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      this.emit(text.slice(start, nl));
      start = nl + 1;
    }
    if (start < text.length) {
      const rest = text.slice(start);
      this.parts.push(rest);
      this.pendingBytes += Buffer.byteLength(rest);
      if (this.pendingBytes > this.max) throw tooLong(this.max);
    }
  }

  private emit(tail: string): void {
    let line = tail;
    if (this.parts.length) {
      this.parts.push(tail);
      line = this.parts.join('');
      this.parts = [];
      this.pendingBytes = 0;
    }
    if (over(line, this.max)) throw tooLong(this.max);
    this.onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
  }
}

export class SseReader implements StreamReader {
  private readonly lines: LineSplitter;
  private data: string[] = [];
  private dataBytes = 0;
  private error: string[] = [];
  private event: string | undefined;

  constructor(private readonly onEvent: (e: StreamEvent) => void, private readonly maxEventBytes = DEFAULT_MAX_EVENT_BYTES) {
    this.lines = new LineSplitter((l) => this.line(l), maxEventBytes);
  }

  push(chunk: Uint8Array): void {
    this.lines.push(chunk);
  }

  end(): void {
    this.lines.end();
    this.dispatch();
  }

  private line(line: string): void {
    if (line === '') {
      this.dispatch();
      return;
    }
    if (line.charCodeAt(0) === 58 /* ':' */) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') {
      // An event of many data lines is capped as a whole, like one long line.
      this.dataBytes += Buffer.byteLength(value) + 1;
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
