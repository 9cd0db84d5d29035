/**
 * The harness of the adapter contract suite (test/targets/contract-*.test.ts): every registered server × API style
 * (SERVER_APIS) gets the same cases against the generic scripted server speaking its wire. One scripted server and
 * one target per pair are shared by the cases of a file; cases that need other target options (a short timeout,
 * TLS, a server rejecting length fields) start their own.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SERVER_APIS, createServerTarget, type ServerKind, type ServerTarget, type ServerTargetOptions } from '../../../src/targets/servers.js';
import { type ApiStyle, type GenerationRequest } from '../../../src/targets/target.js';
import { RecordingSink } from '../sink.js';
import { type WireScript, type WireServer, startWireServer, tokensText, wireScript } from './index.js';
import { type WireServerOptions } from './server.js';

export interface Pair {
  server: ServerKind;
  api: ApiStyle;
  script: WireScript;
}

export interface Ctx extends Pair {
  /** The pair's shared scripted server and target (timeout 10 s, maxEventBytes 1 MiB). */
  wire: WireServer;
  target: ServerTarget;
  /** A fresh request: chat messages on the chat API, a prompt otherwise, with the fault markers in the prompt. */
  req(id: string, markers: string, over?: Partial<GenerationRequest>): GenerationRequest;
  /** A target on another scripted server of this pair's wire (closed after the pair's cases). */
  extra(serverOpts: WireServerOptions, targetOpts?: Partial<ContractTargetOptions>): Promise<{ wire: WireServer; target: ServerTarget }>;
}

/** ServerTargetOptions plus the contract's cap on one event (`--max-event-bytes`); older builds ignore it. */
export type ContractTargetOptions = ServerTargetOptions & { maxEventBytes?: number };

export const MAX_EVENT_BYTES = 1024 * 1024;

export function pairs(): Array<{ server: ServerKind; api: ApiStyle; script: WireScript | null }> {
  const out: Array<{ server: ServerKind; api: ApiStyle; script: WireScript | null }> = [];
  for (const server of Object.keys(SERVER_APIS) as ServerKind[]) for (const api of SERVER_APIS[server]) out.push({ server, api, script: wireScript(server, api) });
  return out;
}

export function contractTarget(url: string, p: { server: ServerKind; api: ApiStyle }, over: Partial<ContractTargetOptions> = {}): Promise<ServerTarget> {
  const opts: ContractTargetOptions = { server: p.server, api: p.api, url, timeoutMs: 10_000, connections: 4, maxEventBytes: MAX_EVENT_BYTES, ...over };
  return createServerTarget(opts);
}

export interface Outcome {
  sink: RecordingSink;
  failure: { kind: string; message: string; httpStatus: number | null } | null;
  ms: number;
}

/** Sends and returns what the sink saw and the failure thrown (null when the request succeeded). */
export async function run(t: ServerTarget, req: GenerationRequest, signal = new AbortController().signal, sink = new RecordingSink()): Promise<Outcome> {
  const t0 = performance.now();
  try {
    await t.send(req, sink, signal);
    return { sink, failure: null, ms: performance.now() - t0 };
  } catch (e) {
    const f = e as { kind?: string; message?: string; httpStatus?: number | null };
    return { sink, failure: { kind: String(f.kind ?? `(not a RequestFailure: ${String(e)})`), message: String(f.message ?? ''), httpStatus: f.httpStatus ?? null }, ms: performance.now() - t0 };
  }
}

export function succeeded(o: Outcome): void {
  assert.equal(o.failure, null, `the request failed: ${JSON.stringify(o.failure)}`);
}

export function failed(o: Outcome, kind: string): { kind: string; message: string; httpStatus: number | null } {
  assert.ok(o.failure, `expected a '${kind}' failure, the request succeeded (text ${JSON.stringify(o.sink.text)})`);
  assert.equal(o.failure.kind, kind, `expected kind '${kind}', got '${o.failure.kind}': ${o.failure.message}`);
  return o.failure;
}

/** Every length-forcing field name any server knows, searched at any depth of a request body. */
export const LENGTH_NAMES = ['ignore_eos', 'min_tokens', 'min_new_tokens', 'min_length'];

export function lengthFieldsIn(body: unknown): string[] {
  const found: string[] = [];
  const walk = (v: unknown, path: string) => {
    if (!v || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (LENGTH_NAMES.includes(k)) found.push(path ? `${path}.${k}` : k);
      walk(x, path ? `${path}.${k}` : k);
    }
  };
  walk(body, '');
  return found;
}

/** Text of the first n tokens of the fake model. */
export const words = (n: number) => tokensText(0, n);

/**
 * Registers one describe per server × API style with the given cases. A pair without a wire script is a failing
 * test: registering a server means scripting how it speaks.
 */
export function contractSuite(cases: Array<[name: string, fn: (c: Ctx) => Promise<void>]>, opts: { concurrent?: boolean } = {}): void {
  // Pairs are independent (own server, own target, request ids unique per case), so they may run side by side;
  // cases that measure the process (RSS) must not.
  describe('adapter contract', { concurrency: opts.concurrent ? 6 : 1 }, () => {
    for (const p of pairs()) pairSuite(p, cases);
  });
}

function pairSuite(p: ReturnType<typeof pairs>[number], cases: Array<[name: string, fn: (c: Ctx) => Promise<void>]>): void {
  describe(`${p.server}/${p.api}`, () => {
    if (!p.script) {
      it(`${p.server}/${p.api} has a scripted wire format`, () => assert.fail(`no scripted wire format for ${p.server}/${p.api}: add it to test/support/wire/index.ts`));
      return;
    }
    const script = p.script;
    const extras: Array<{ wire: WireServer; target: ServerTarget }> = [];
    const ctx = {
      server: p.server,
      api: p.api,
      script,
      req: (id: string, markers: string, over: Partial<GenerationRequest> = {}): GenerationRequest => {
        const text = `one two three ${markers}`.trim();
        const base: GenerationRequest = { id, max_tokens: 8, force_length: true, temperature: 0, seed: null, extra_body: {} };
        return { ...base, ...(p.api === 'chat' ? { messages: [{ role: 'user', content: text }] } : { prompt: text }), ...over };
      },
      extra: async (serverOpts: WireServerOptions, targetOpts: Partial<ContractTargetOptions> = {}) => {
        const wire = await startWireServer(script.format, script.probes, serverOpts);
        try {
          const target = await contractTarget(wire.url, p, targetOpts);
          extras.push({ wire, target });
          return { wire, target };
        } catch (e) {
          await wire.close();
          throw e;
        }
      },
    } as Ctx;
    before(async () => {
      ctx.wire = await startWireServer(script.format, script.probes);
      ctx.target = await contractTarget(ctx.wire.url, p);
    });
    after(async () => {
      await ctx.target?.close();
      await ctx.wire?.close();
      for (const x of extras) {
        await x.target.close();
        await x.wire.close();
      }
    });
    for (const [name, fn] of cases) it(`${p.server}/${p.api} ${name}`, () => fn(ctx));
  });
}

/** The finish reason a pair must report: the OpenAI vocabulary where the wire carries a reason, null where it has none. */
export function expectedFinish(c: Pair, reason: 'stop' | 'length', counters = true): string | null {
  if (c.server === 'triton' && c.api === 'native') return null; // the ensemble's stream carries no finish reason
  if (c.server === 'mindie' && c.api === 'native' && !counters) return null; // the reason is in `details` only
  return reason;
}
