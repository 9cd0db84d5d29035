// The adapter contract, part 1 (docs: /work/briefs/contract.md cases 1, 3, 4, 5, 11, 13): every registered
// server × API style against a scripted server speaking its wire (test/support/wire), the same cases for all.
//
// Decisions where the contract leaves a wire open:
// - Finish reasons are reported in the OpenAI vocabulary ('stop' | 'length') whatever the wire calls them
//   (TGI/MindIE `eos_token`, llama.cpp `stop_type: limit`, SGLang `{type: 'length'}`); null on Triton's ensemble,
//   whose stream has no finish reason, and on MindIE /infer without `details`.
// - "usage.completion_tokens = N where the wire reports it": every wire here can report a count when the client asks
//   for it (include_usage, details: true, return_num_output_tokens), so the target must ask, and report it.
// - Per-chunk token counts (case 4) are required where the wire carries ids or counters per chunk: vLLM token_ids,
//   SGLang/LMDeploy native counters and ids, llama.cpp native `tokens`, one token per event on TGI and MindIE
//   /infer. Triton's `num_output_tokens` is not required per chunk (cumulative or per response depends on the
//   backend, UNVERIFIED), only in the total. Where a wire says nothing per chunk, `delta.tokens` must stay unset.
// - On TGI and MindIE /infer every event carries exactly one token, so "multi-token chunks" there are one-token
//   events, and their token-less final is the EOS step: a special token with empty text that is counted (protocols.md
//   §0.1 rule 8), recorded as a delta with `tokens: 1` and no text.
import assert from 'node:assert/strict';
import { type Ctx, contractSuite, expectedFinish, failed, lengthFieldsIn, run, succeeded, words } from '../support/wire/contract.js';
import { NATURAL, STREAM_ERROR } from '../support/wire/index.js';

/** Text the pair must produce for a request of 8 tokens: 8 when it can force lengths, the natural stop otherwise. */
const expectedTokens = (c: Ctx, forced: boolean) => (forced && c.script.canForce ? 8 : NATURAL);

function noEmptyDelta(c: Ctx, deltas: Array<{ text?: string; reasoning?: string; tokens?: number }>): void {
  for (const d of deltas) assert.ok(d.text || d.reasoning || (d.tokens ?? 0) > 0, `${c.server}/${c.api}: an empty delta was recorded: ${JSON.stringify(d)}`);
}

contractSuite([
  [
    'case 1: exact length when forced, or the declared lack of it',
    async (c) => {
      const id = `${c.server}-${c.api}-exact`;
      const o = await run(c.target, c.req(id, ''));
      succeeded(o);
      const g = c.wire.gen(id);
      assert.ok(g, 'the generation request carries x-request-id');
      assert.ok(g.gen.prompt.startsWith('one two three'), `the prompt reached the server: ${JSON.stringify(g.gen.prompt)}`);
      assert.equal(g.gen.max, 8, "max_tokens is sent in the wire's own field");
      const n = expectedTokens(c, true);
      assert.equal(o.sink.text, words(n));
      assert.deepEqual(o.sink.finishes, [expectedFinish(c, n === 8 ? 'length' : 'stop')]);
      assert.equal(o.sink.retries, 0);
      assert.equal(g.rendered?.reported, n, 'the target asks for the counters this wire can carry');
      assert.equal(o.sink.lastUsage?.completion_tokens, n);
      const notes = o.sink.notes.filter((x) => x.startsWith('length_not_forced'));
      if (c.script.canForce) {
        assert.notEqual(c.target.info.length_forcing, 'none');
        assert.ok(g.gen.forced, `the request forced the length (length fields sent: ${JSON.stringify(lengthFieldsIn(g.body))})`);
        assert.deepEqual(notes, []);
      } else {
        // A server that cannot force lengths: declared up front, no length field sent, and said on the record.
        assert.equal(c.target.info.length_forcing, 'none');
        assert.deepEqual(lengthFieldsIn(g.body), []);
        assert.equal(notes.length, 1, `one length_not_forced note (notes: ${JSON.stringify(o.sink.notes)})`);
      }
    },
  ],
  [
    'no length fields and no note when the length is not forced',
    async (c) => {
      const id = `${c.server}-${c.api}-unforced`;
      const o = await run(c.target, c.req(id, '', { force_length: false }));
      succeeded(o);
      assert.equal(o.sink.text, words(NATURAL));
      assert.deepEqual(o.sink.finishes, [expectedFinish(c, 'stop')]);
      assert.deepEqual(lengthFieldsIn(c.wire.gen(id)?.body), []);
      assert.deepEqual(o.sink.notes, []);
    },
  ],
  [
    'case 3: a token-less final chunk reports the finish and records no empty delta',
    async (c) => {
      const id = `${c.server}-${c.api}-tokenless`;
      const o = await run(c.target, c.req(id, '@tokenless', { force_length: false }));
      succeeded(o);
      const r = c.wire.gen(id)!.rendered!;
      assert.equal(o.sink.text, words(NATURAL));
      assert.deepEqual(o.sink.finishes, [expectedFinish(c, 'stop')]);
      noEmptyDelta(c, o.sink.deltas);
      // One delta per token-bearing chunk, plus the counted EOS step where the wire has one.
      assert.equal(o.sink.deltas.length, r.chunks.length + (r.finalTokens ? 1 : 0));
      if (r.chunkTokens) assert.equal(o.sink.chunkTokens, NATURAL + r.finalTokens);
      assert.equal(o.sink.lastUsage?.completion_tokens, r.reported);
    },
  ],
  [
    'case 4: multi-token chunks give exact text and per-chunk token counts where the wire has them',
    async (c) => {
      const id = `${c.server}-${c.api}-multi`;
      const o = await run(c.target, c.req(id, '@multi'));
      succeeded(o);
      const r = c.wire.gen(id)!.rendered!;
      const n = expectedTokens(c, true);
      assert.equal(o.sink.text, words(n));
      assert.equal(o.sink.deltas.length, r.chunks.length);
      if (c.script.format.maxChunk > 1) assert.ok(r.chunks.length < n, 'the chunks carried several tokens');
      assert.deepEqual(
        o.sink.deltas.map((d) => d.tokens),
        r.chunkTokens ?? r.chunks.map(() => undefined),
      );
      assert.equal(o.sink.lastUsage?.completion_tokens, n);
    },
  ],
  [
    "case 5: an error inside a 200 stream, in the server's own shape, is kind 'server' with the server's text",
    async (c) => {
      const o = await run(c.target, c.req(`${c.server}-${c.api}-error`, '@error'));
      const f = failed(o, 'server');
      assert.ok(f.message.includes(STREAM_ERROR), `message names the server's error: ${f.message}`);
      assert.deepEqual(o.sink.finishes, []);
    },
  ],
  [
    'case 11: the generation request carries x-request-id = req.id',
    async (c) => {
      const id = `rid-${c.server}-${c.api}-7f3a`;
      succeeded(await run(c.target, c.req(id, '')));
      const g = c.wire.gens.filter((x) => x.gen.prompt.startsWith('one two three') && x.headers['x-request-id'] === id);
      assert.equal(g.length, 1, `one generation request with x-request-id ${id} (seen: ${JSON.stringify(c.wire.gens.map((x) => x.headers['x-request-id']))})`);
    },
  ],
  [
    'case 13: no usage or counters on the wire: no crash, finish reported, exact text, no completion_tokens invented',
    async (c) => {
      const id = `${c.server}-${c.api}-nousage`;
      const o = await run(c.target, c.req(id, '@nousage'));
      succeeded(o);
      const r = c.wire.gen(id)!.rendered!;
      assert.equal(r.reported, null);
      const n = expectedTokens(c, true);
      assert.equal(o.sink.text, words(n));
      assert.deepEqual(o.sink.finishes, [expectedFinish(c, n === 8 ? 'length' : 'stop', false)]);
      for (const u of o.sink.usages) assert.equal(u.completion_tokens ?? null, null, `usage invented: ${JSON.stringify(u)}`);
      assert.deepEqual(
        o.sink.deltas.map((d) => d.tokens),
        r.chunkTokens ?? r.chunks.map(() => undefined),
      );
    },
  ],
], { concurrent: true });
