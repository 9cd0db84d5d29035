// The adapter contract, part 2 (cases 2, 6, 7, 8, 9, 10, 12): length-forcing fallback, HTTP errors with the
// server's body, connection reset, stall past --timeout, abort, malformed chunk, mutual TLS; every registered
// server × API style against a scripted server speaking its wire (test/support/wire).
//
// Decisions where the contract leaves a wire open:
// - Fallback (case 2): the 400 carries the server's own error body naming the field; the 422 is FastAPI's validation
//   body (`{"detail": [{"loc": ["body", field], ...}]}`) on every wire, which the client can only read as raw text.
//   After the fallback the target's length_forcing is 'none', so — like a target that never could force — every
//   later forced request is noted `length_not_forced` (and sends no length field).
// - HTTP errors (case 6) use 429 and 503: statuses no fallback rule looks at, with each server's documented body.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { type Ctx, contractSuite, failed, lengthFieldsIn, run, succeeded, words } from '../support/wire/contract.js';
import { HTTP_ERRORS, MALFORMED, NATURAL } from '../support/wire/index.js';
import { RecordingSink } from '../support/sink.js';

const TLS_DIR = 'test/support/tls';
const pem = (f: string) => readFileSync(`${TLS_DIR}/${f}`, 'utf8');
// Long enough that the init probes of the short-timeout target never hit it on a busy machine.
const TIMEOUT_MS = 1000;

async function fallback(c: Ctx, status: 400 | 422): Promise<void> {
  const { wire, target } = await c.extra({ rejectLength: status });
  if (!c.script.canForce) {
    // Declared from the start: nothing to reject is ever sent.
    assert.equal(target.info.length_forcing, 'none');
    const o = await run(target, c.req(`${c.server}-${c.api}-fb${status}-declared`, ''));
    succeeded(o);
    assert.equal(o.sink.retries, 0);
    assert.equal(wire.gens.length, 1);
    assert.deepEqual(lengthFieldsIn(wire.gens[0]!.body), []);
    assert.equal(o.sink.notes.filter((x) => x.startsWith('length_not_forced')).length, 1, `one length_not_forced note on a forced request (notes: ${JSON.stringify(o.sink.notes)})`);
    return;
  }
  assert.notEqual(target.info.length_forcing, 'none');
  const o = await run(target, c.req(`${c.server}-${c.api}-fb${status}`, ''));
  succeeded(o);
  assert.equal(o.sink.retries, 1, 'resent once without the length fields');
  assert.equal(o.sink.notes.length, 1, `one note on the request that fell back (notes: ${JSON.stringify(o.sink.notes)})`);
  assert.match(o.sink.notes[0]!, /^length_not_forced/);
  assert.equal(target.info.length_forcing, 'none');
  assert.equal(wire.gens.length, 2);
  assert.equal(wire.gens[0]!.status, status);
  assert.ok(wire.gens[0]!.gen.lengthFields.length > 0);
  assert.deepEqual(lengthFieldsIn(wire.gens[1]!.body), []);
  assert.equal(o.sink.text, words(NATURAL));
  // The next forced request sends no length field, needs no retry, and is noted like any unforceable one.
  const o2 = await run(target, c.req(`${c.server}-${c.api}-fb${status}-next`, ''));
  succeeded(o2);
  assert.equal(o2.sink.retries, 0);
  assert.equal(wire.gens.length, 3);
  assert.deepEqual(lengthFieldsIn(wire.gens[2]!.body), []);
  assert.equal(o2.sink.notes.filter((x) => x.startsWith('length_not_forced')).length, 1, `the next forced request is noted length_not_forced too (notes: ${JSON.stringify(o2.sink.notes)})`);
}

contractSuite([
  ['case 2: a 400 naming a length field: resent once without them, length_not_forced, length_forcing none', (c) => fallback(c, 400)],
  ['case 2: a 422 naming a length field: the same fallback', (c) => fallback(c, 422)],
  [
    "case 6: HTTP 4xx with the server's error body is kind 'http', `HTTP <status>: <server message>`",
    async (c) => {
      const f = failed(await run(c.target, c.req(`${c.server}-${c.api}-429`, '@http429')), 'http');
      assert.equal(f.httpStatus, 429);
      assert.equal(f.message, `HTTP 429: ${HTTP_ERRORS[429]}`);
    },
  ],
  [
    "case 6: HTTP 5xx with the server's error body is kind 'http', `HTTP <status>: <server message>`",
    async (c) => {
      const o = await run(c.target, c.req(`${c.server}-${c.api}-503`, '@http503'));
      const f = failed(o, 'http');
      assert.equal(f.httpStatus, 503);
      assert.equal(f.message, `HTTP 503: ${HTTP_ERRORS[503]}`);
      assert.equal(o.sink.retries, 0);
    },
  ],
  [
    "case 7: a connection reset mid-stream is kind 'stream'",
    async (c) => {
      const o = await run(c.target, c.req(`${c.server}-${c.api}-reset`, '@reset'));
      failed(o, 'stream');
      assert.deepEqual(o.sink.finishes, []);
    },
  ],
  [
    "case 8: a stall past --timeout is kind 'timeout', promptly",
    async (c) => {
      const { target } = await c.extra({}, { timeoutMs: TIMEOUT_MS });
      const o = await run(target, c.req(`${c.server}-${c.api}-stall`, '@stall'));
      failed(o, 'timeout');
      assert.ok(o.ms < TIMEOUT_MS + 5000, `failed after ${Math.round(o.ms)} ms`);
      assert.ok(o.sink.deltas.length > 0, 'the chunks before the stall were delivered');
    },
  ],
  [
    "case 9: aborting the signal mid-stream is kind 'aborted'",
    async (c) => {
      const ac = new AbortController();
      const sink = new (class extends RecordingSink {
        override delta(d: Parameters<RecordingSink['delta']>[0]): void {
          super.delta(d);
          ac.abort();
        }
      })();
      const o = await run(c.target, c.req(`${c.server}-${c.api}-abort`, '@stall'), ac.signal, sink);
      failed(o, 'aborted');
      assert.ok(o.ms < 5000, `failed after ${Math.round(o.ms)} ms`);
    },
  ],
  [
    "case 10: a malformed chunk is kind 'parse', quoting the chunk's first bytes",
    async (c) => {
      const f = failed(await run(c.target, c.req(`${c.server}-${c.api}-malformed`, '@malformed')), 'parse');
      assert.ok(f.message.includes(MALFORMED.slice(0, 16)), `message quotes the chunk: ${f.message}`);
    },
  ],
  [
    'case 12: HTTPS requiring a client certificate works with caCert/clientCert/clientKey',
    async (c) => {
      const tls = { caCert: `${TLS_DIR}/ca.pem`, clientCert: `${TLS_DIR}/client.pem`, clientKey: `${TLS_DIR}/client-key.pem` };
      const { wire, target } = await c.extra({ tls: { key: pem('server-key.pem'), cert: pem('server.pem'), ca: pem('ca.pem') } }, { tls });
      assert.match(wire.url, /^https:/);
      const id = `${c.server}-${c.api}-tls`;
      const o = await run(target, c.req(id, ''));
      succeeded(o);
      assert.equal(o.sink.text, words(c.script.canForce ? 8 : NATURAL));
      assert.equal(wire.gen(id)?.headers['x-request-id'], id);
    },
  ],
], { concurrent: true });
