import { createServerTarget, type ServerTarget, type ServerTargetOptions } from '../../src/targets/servers.js';
import { type GenerationRequest } from '../../src/targets/target.js';
import { RecordingSink } from './sink.js';

export function request(over: Partial<GenerationRequest> = {}): GenerationRequest {
  return { id: 'r1', prompt: 'one two three', max_tokens: 8, force_length: true, temperature: 0, seed: null, extra_body: {}, ...over };
}

export function chat(over: Partial<GenerationRequest> = {}): GenerationRequest {
  return request({ messages: [{ role: 'user', content: 'one two three' }], prompt: undefined, ...over });
}

export function target(url: string, server: ServerTargetOptions['server'], api: ServerTargetOptions['api'] = null, over: Partial<ServerTargetOptions> = {}): Promise<ServerTarget> {
  return createServerTarget({ server, api, url, timeoutMs: 5000, connections: 2, ...over });
}

export async function send(t: ServerTarget, req: GenerationRequest): Promise<RecordingSink> {
  const sink = new RecordingSink();
  await t.send(req, sink, new AbortController().signal);
  return sink;
}

/** Sends and returns the failure it throws (the test fails if it doesn't). */
export async function sendFailing(t: ServerTarget, req: GenerationRequest): Promise<{ kind: string; message: string; httpStatus: number | null }> {
  try {
    await send(t, req);
  } catch (e) {
    return e as { kind: string; message: string; httpStatus: number | null };
  }
  throw new Error('expected the request to fail');
}
