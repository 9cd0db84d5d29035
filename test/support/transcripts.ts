import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const TRANSCRIPTS = join(process.cwd(), '..', 'shared', 'fixtures', 'transcripts', 'llama.cpp-b4748');

/** Parses a captured transcript: request line, request body, response status, headers and raw body. */
export function readTranscript(name: string): { request: string; requestBody: string; status: number; headers: Record<string, string>; body: string } {
  const text = readFileSync(join(TRANSCRIPTS, name), 'utf8');
  const request = /^### REQUEST: (.*)$/m.exec(text)?.[1] ?? '';
  const requestBody = /^### BODY: (.*)$/m.exec(text)?.[1] ?? '';
  const resp = text.slice(text.indexOf('### RESPONSE'));
  const afterMarker = resp.slice(resp.indexOf('\n') + 1);
  const sep = afterMarker.search(/\r?\n\r?\n/);
  const head = afterMarker.slice(0, sep);
  const body = afterMarker.slice(sep).replace(/^\r?\n\r?\n/, '');
  const [statusLine, ...hl] = head.split(/\r?\n/);
  const headers: Record<string, string> = {};
  for (const h of hl) {
    const i = h.indexOf(':');
    if (i > 0) headers[h.slice(0, i).toLowerCase()] = h.slice(i + 1).trim();
  }
  return { request, requestBody, status: Number(statusLine!.split(' ')[1]), headers, body };
}
