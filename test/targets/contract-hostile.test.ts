// The adapter contract, part 3 (cases 15, 16, and the no-false-alarm side of 14): answers a client meets behind proxies and misconfigured servers —
// a 200 whose content-type is not a stream type, and a content-encoding the client never asked for — for every
// registered server × API style, against a scripted server speaking its wire (test/support/wire).
//
// Decisions: the html case sends exactly `content-type: text/html` (no parameters) and asserts the message's
// prefix and that it quotes about the first 200 bytes (not the whole page); httpStatus is not asserted (a 200). The
// unknown encoding is `zstd` (node 20's zlib cannot decode it) on a plain body, so a client that ignored the header
// would parse the stream and pass: it must refuse instead.
import assert from 'node:assert/strict';
import { type Ctx, contractSuite, failed, run, succeeded, words } from '../support/wire/contract.js';
import { HTML_PAGE, LONG_PAD, NATURAL } from '../support/wire/index.js';

const n = (c: Ctx) => (c.script.canForce ? 8 : NATURAL);

/** What a response amounts to, for comparing an encoded stream with the plain one. */
async function outcome(c: Ctx, id: string, markers: string) {
  const o = await run(c.target, c.req(id, markers));
  succeeded(o);
  return { text: o.sink.text, deltas: o.sink.deltas.map((d) => ({ text: d.text, tokens: d.tokens })), finishes: o.sink.finishes, usage: o.sink.lastUsage?.completion_tokens ?? null, notes: o.sink.notes };
}

contractSuite(
  [
    [
      'case 14: an event under --max-event-bytes that arrives in many network reads is delivered whole',
      async (c) => {
        const o = await run(c.target, c.req(`${c.server}-${c.api}-long`, '@long'));
        succeeded(o);
        const text = o.sink.text;
        assert.equal(text.length, words(n(c)).length + LONG_PAD);
        assert.equal(text, ` w0${'x'.repeat(LONG_PAD)}${words(n(c)).slice(' w0'.length)}`);
        assert.equal(o.sink.finishes.length, 1);
      },
    ],
    [
      "case 15: a 200 with content-type text/html is kind 'http', quoting the start of the page",
      async (c) => {
        const f = failed(await run(c.target, c.req(`${c.server}-${c.api}-html`, '@html')), 'http');
        const prefix = 'unexpected content-type text/html: ';
        assert.ok(f.message.startsWith(prefix + HTML_PAGE.slice(0, 60)), `message: ${f.message}`);
        const quoted = f.message.slice(prefix.length);
        assert.ok(quoted.length >= 150 && quoted.length <= 260, `quotes about the first 200 bytes (${quoted.length})`);
      },
    ],
    [
      'case 15: missing content-type, text/plain and application/jsonl are accepted as streams',
      async (c) => {
        for (const m of ['ctype-none', 'ctype-plain', 'ctype-jsonl']) {
          const o = await run(c.target, c.req(`${c.server}-${c.api}-${m}`, `@${m}`));
          assert.equal(o.failure, null, `@${m}: ${JSON.stringify(o.failure)}`);
          assert.equal(o.sink.text, words(n(c)), `@${m}`);
        }
      },
    ],
    [
      'case 16: gzip, deflate and br streams the client never asked for are decoded: the same result as plain',
      async (c) => {
        const plain = await outcome(c, `${c.server}-${c.api}-plain`, '');
        assert.equal(plain.text, words(n(c)));
        for (const enc of ['gzip', 'deflate', 'br']) {
          const got = await run(c.target, c.req(`${c.server}-${c.api}-${enc}`, `@${enc}`));
          assert.equal(got.failure, null, `${enc}: ${JSON.stringify(got.failure)}`);
          assert.deepEqual(await outcome(c, `${c.server}-${c.api}-${enc}-2`, `@${enc}`), plain, enc);
        }
      },
    ],
    [
      "case 16: an unknown content-encoding is kind 'http', `unsupported content-encoding <name>`",
      async (c) => {
        const f = failed(await run(c.target, c.req(`${c.server}-${c.api}-zstd`, '@zstd')), 'http');
        assert.equal(f.message, 'unsupported content-encoding zstd');
      },
    ],
  ],
  { concurrent: true },
);
