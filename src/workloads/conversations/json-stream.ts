/**
 * Reads the elements of a file's top-level JSON array one at a time, or the lines of a JSONL file, without
 * holding the file as one string: the public ShareGPT file is over 512 MB, past the longest string V8 makes
 * (JSON.parse of the whole file fails with "Invalid string length"). Each element is small, so only the
 * element being scanned is buffered and handed to JSON.parse.
 *
 * The scanner tracks string/escape state and bracket depth; an element ends at the comma or closing bracket at
 * depth 1. It reads UTF-8 through StringDecoder, so a multi-byte character split across chunks stays whole.
 */
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

export interface JsonItem {
  value: unknown;
  /** 1-based: the element's position in the array, or the line number in JSONL. */
  position: number;
}

export class JsonStreamError extends Error {
  constructor(message: string, readonly position: number) {
    super(message);
  }
}

/** Yields every element of a top-level array ('[' first) or every non-blank line of JSONL. */
export async function* readJsonItems(path: string, chunkBytes = 1 << 20): AsyncGenerator<JsonItem> {
  const decoder = new StringDecoder('utf8');
  const stream = createReadStream(path, { highWaterMark: chunkBytes });
  let mode = 'unknown' as 'unknown' | 'array' | 'lines' | 'done';
  // Array scanning state.
  let depth = 0;
  let inString = false;
  let escape = false;
  let element = '';
  let position = 0;
  // JSONL state.
  let line = '';
  let lineNo = 0;
  let sawClose = false;

  const parse = (text: string, pos: number, what: string): unknown => {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new JsonStreamError(`${what} ${pos} is not valid JSON (${(e as Error).message})`, pos);
    }
  };

  function* scanArray(s: string): Generator<JsonItem> {
    let from = 0; // start of the part of s that belongs to the current element
    let bs = -2; // position of the next backslash at or after i; -1: none left in s; -2: not looked up yet
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (sawClose) {
        if (!isSpace(c)) throw new JsonStreamError(`text after the closing ']' of the array`, position);
        continue;
      }
      if (inString) {
        if (escape) {
          escape = false;
          continue;
        }
        // Jump to the next quote or backslash: string contents are most of a conversation file's bytes.
        const q = s.indexOf('"', i);
        // The next backslash is looked up once per passing, not per string (most strings have none).
        if (bs !== -1 && bs < i) bs = s.indexOf('\\', i);
        const b = bs;
        if (q < 0 && b < 0) break;
        if (b >= 0 && (q < 0 || b < q)) {
          i = b;
          escape = true;
        } else {
          i = q;
          inString = false;
        }
        continue;
      }
      if (c === 0x22) inString = true;
      else if (c === 0x5b || c === 0x7b) {
        if (depth === 0) {
          // The opening bracket of the top-level array.
          depth = 1;
          from = i + 1;
          continue;
        }
        depth++;
      } else if (c === 0x5d || c === 0x7d) {
        depth--;
        if (depth === 0) {
          element += s.slice(from, i);
          if (element.trim() !== '') {
            position++;
            yield { value: parse(element, position, 'array element'), position };
          }
          element = '';
          sawClose = true;
          from = i + 1;
        }
      } else if (c === 0x2c && depth === 1) {
        element += s.slice(from, i);
        position++;
        if (element.trim() === '') throw new JsonStreamError(`array element ${position} is empty`, position);
        yield { value: parse(element, position, 'array element'), position };
        element = '';
        from = i + 1;
      }
    }
    if (!sawClose) element += s.slice(from);
  }

  function* scanLines(s: string): Generator<JsonItem> {
    line += s;
    let nl: number;
    while ((nl = line.indexOf('\n')) >= 0) {
      const l = line.slice(0, nl);
      line = line.slice(nl + 1);
      lineNo++;
      if (l.trim() !== '') yield { value: parse(l, lineNo, 'line'), position: lineNo };
    }
  }

  function* feed(s: string): Generator<JsonItem> {
    if (mode === 'unknown') {
      const k = s.search(/\S/);
      if (k < 0) return;
      mode = s[k] === '[' ? 'array' : 'lines';
    }
    if (mode === 'array') yield* scanArray(s);
    else yield* scanLines(s);
  }

  try {
    for await (const chunk of stream) {
      yield* feed(decoder.write(chunk as Buffer));
    }
    yield* feed(decoder.end());
    const m = mode as string;
    if (m === 'array' && !sawClose) throw new JsonStreamError(`the array is not closed (the file ends inside element ${position + 1})`, position + 1);
    if (m === 'lines' && line.trim() !== '') {
      lineNo++;
      yield { value: parse(line, lineNo, 'line'), position: lineNo };
    }
    mode = 'done';
  } finally {
    stream.destroy();
  }
}

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
