/**
 * The one stream reader every adapter shares: Server-Sent Events and NDJSON, fed raw network reads.
 *
 * Tolerant on purpose, because servers differ (../shared/reference/protocols.md §0.1):
 * - `data:` with or without the space after the colon (TGI writes `data:{...}`); exactly one space is stripped;
 * - comment / keep-alive lines starting with `:` are ignored;
 * - llama.cpp before PR #16109 sends mid-stream errors on a non-standard `error:` field: surfaced as an error event;
 * - CRLF and LF line endings; a final event without the trailing blank line is still delivered at end();
 * - UTF-8 split across network reads is reassembled by a streaming TextDecoder.
 */
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

export class SseReader implements StreamReader {
  private readonly decoder = new TextDecoder('utf-8');
  private buf = '';
  private data: string[] = [];
  private error: string[] = [];
  private event: string | undefined;

  constructor(private readonly onEvent: (e: StreamEvent) => void) {}

  push(chunk: Uint8Array): void {
    this.buf += this.decoder.decode(chunk, { stream: true });
    this.drain();
  }

  end(): void {
    this.buf += this.decoder.decode();
    this.drain();
    if (this.buf.length) {
      this.line(this.buf.endsWith('\r') ? this.buf.slice(0, -1) : this.buf);
      this.buf = '';
    }
    this.dispatch();
  }

  private drain(): void {
    let start = 0;
    for (;;) {
      const nl = this.buf.indexOf('\n', start);
      if (nl < 0) break;
      const end = nl > start && this.buf.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.line(this.buf.slice(start, end));
      start = nl + 1;
    }
    if (start) this.buf = this.buf.slice(start);
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
    if (field === 'data') this.data.push(value);
    else if (field === 'error') this.error.push(value);
    else if (field === 'event') this.event = value;
  }

  private dispatch(): void {
    if (this.data.length) {
      const data = this.data.length === 1 ? this.data[0]! : this.data.join('\n');
      this.data = [];
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
  private readonly decoder = new TextDecoder('utf-8');
  private buf = '';
  constructor(private readonly onEvent: (e: StreamEvent) => void) {}

  push(chunk: Uint8Array): void {
    this.buf += this.decoder.decode(chunk, { stream: true });
    let start = 0;
    for (;;) {
      const nl = this.buf.indexOf('\n', start);
      if (nl < 0) break;
      const line = this.buf.slice(start, nl).trim();
      if (line) this.onEvent({ kind: 'data', data: line });
      start = nl + 1;
    }
    if (start) this.buf = this.buf.slice(start);
  }

  end(): void {
    this.buf += this.decoder.decode();
    const line = this.buf.trim();
    this.buf = '';
    if (line) this.onEvent({ kind: 'data', data: line });
  }
}
