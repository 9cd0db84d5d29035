// RunOutput.replaceFrom: a conversation scenario on workers appends its records as they arrive (so a crash keeps
// them), then rewrites exactly its own lines once, renumbered; the lines before the mark stay byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { RunOutput } from '../../src/runner/output.js';
import { type RequestRecord } from '../../src/core/record.js';
import { tempDir } from '../support/cli.js';

const rec = (scenario_id: string, index: number, session_id: string): RequestRecord => ({ scenario_id, index, session_id, repeat: 0, warmup: false }) as unknown as RequestRecord;

test('replaceFrom rewrites only what was appended since the mark, and appending goes on after it', () => {
  const out = new RunOutput(tempDir(), 'run', 'model', new Date(0));
  out.appendRecord(rec('a', 0, 's1'));
  out.appendRecord(rec('a', 1, 's2'));
  const before = readFileSync(out.requestsPath, 'utf8');
  const mark = out.mark();
  assert.equal(mark, Buffer.byteLength(before));
  out.appendRecord(rec('b', 1, 's1'));
  out.appendRecord(rec('b', 0, 's2'));
  out.appendRecord(rec('b', 0, 's3'));
  // The records as they arrived are on disk before the rewrite (a crash here keeps them).
  assert.equal(readFileSync(out.requestsPath, 'utf8').trim().split('\n').length, 5);
  out.replaceFrom(mark, [rec('b', 0, 's2'), rec('b', 1, 's1'), rec('b', 2, 's3')]);
  out.appendRecord(rec('c', 0, 's1'));
  out.close();
  const text = readFileSync(out.requestsPath, 'utf8');
  assert.ok(text.startsWith(before));
  const lines = text.trim().split('\n').map((l) => JSON.parse(l) as { scenario_id: string; index: number; session_id: string });
  assert.deepEqual(lines.map((l) => `${l.scenario_id}${l.index}${l.session_id}`), ['a0s1', 'a1s2', 'b0s2', 'b1s1', 'b2s3', 'c0s1']);
  // No temporary file is left beside it.
  assert.deepEqual(readdirSync(out.dir).sort(), ['requests.jsonl']);
});
