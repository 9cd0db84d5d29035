import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, type OptionDef, parseDurationMs } from '../src/cli/option.js';

const defs: OptionDef[] = [
  { name: 'input-tokens', kind: 'list', group: 'g', description: 'x', parse: (s) => Number(s) },
  { name: 'context-size', aliases: ['context'], kind: 'int', group: 'g', description: 'x' },
  { name: 'output', short: 'o', kind: 'string', group: 'g', description: 'x' },
  { name: 'report', kind: 'boolean', default: true, group: 'g', description: 'x' },
  { name: 'api-key', kind: 'string', env: ['LLMBENCH_API_KEY', 'OPENAI_API_KEY'], group: 'g', description: 'x', secret: true },
  { name: 'header', kind: 'list', repeatable: true, group: 'g', description: 'x' },
];

test('parses lists, aliases, short flags, negated booleans and env fallbacks', () => {
  const { args, problems } = parseArgs(
    ['--input-tokens', '3,26', '--context=512', '-o', 'm.gguf', '--no-report', '--header', 'A: b,c', '--header', 'X: y', 'pos'],
    defs,
    { OPENAI_API_KEY: 'sk-1' },
  );
  assert.deepEqual(problems, []);
  assert.deepEqual(args.values, { inputTokens: [3, 26], contextSize: 512, output: 'm.gguf', report: false, header: ['A: b,c', 'X: y'], apiKey: 'sk-1' });
  assert.deepEqual(args.positionals, ['pos']);
});

test('collects every problem at once, with a did-you-mean', () => {
  const { problems } = parseArgs(['--input-token', '3', '--context', 'x', '--output'], defs);
  assert.deepEqual(problems.map((p) => [p.where, p.message, p.hint]), [
    ['--input-token', 'unknown option', 'did you mean --input-tokens?'],
    ['--context', "'x' is not a number", undefined],
    ['--output', 'needs a value', undefined],
  ]);
});

test('durations are milliseconds', () => {
  assert.equal(parseDurationMs('30s'), 30_000);
  assert.equal(parseDurationMs('250ms'), 250);
  assert.equal(parseDurationMs('2m'), 120_000);
  assert.equal(parseDurationMs('1.5'), 1500);
  assert.throws(() => parseDurationMs('abc'), /not a duration/);
});
