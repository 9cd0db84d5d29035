import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from '../../src/cli/option.js';
import { QUALITY_OPTIONS, createQualityWorkload, qualityProblems, perplexityRequest, datasetItemCount } from '../../src/cli/options/quality.js';
import { UsageError, type Problem } from '../../src/core/errors.js';
import { QaDatasetWorkload } from '../../src/workloads/qa-dataset.js';

const parse = (argv: string[]) => parseArgs(argv, QUALITY_OPTIONS);

test('quality flags parse to the values the factory takes', () => {
  const { args, problems } = parse(['--dataset', 'gsm8k', '--dataset-path', 'test.jsonl', '--dataset-limit', '200', '--shots', '5', '--perplexity', 'wiki.txt', '--perplexity-window', '128', '--perplexity-stride', '64']);
  assert.deepEqual(problems, []);
  assert.deepEqual(args.values, {
    dataset: 'gsm8k', datasetPath: 'test.jsonl', datasetLimit: 200, shots: 5,
    perplexity: 'wiki.txt', perplexityWindow: 128, perplexityStride: 64,
    promptField: 'question', answerField: 'answer', scoring: 'exact',
  });
  assert.deepEqual(qualityProblems(args.values, args.explicit), []);
  assert.deepEqual(perplexityRequest(args.values, '/data'), { path: '/data/wiki.txt', window: 128, stride: 64 });
  // --max-tokens is the run command's flag; the workload reads it from the same values
  const w = createQualityWorkload({ ...args.values, maxTokens: 256 }, args.explicit, '/data') as QaDatasetWorkload;
  assert.deepEqual({ ...w.config, load: null, score: null, template: w.config.template.name }, {
    dataset: 'gsm8k', path: '/data/test.jsonl', limit: 200, shots: 5, shotsPath: null, maxTokens: 256, template: 'gsm8k', scoring: 'number', load: null, score: null,
    extra: { extraction: 'first of: #### N, \\boxed{N}, "the answer is N", **N**, last number (docs/quality.md)' },
  });
});

test('bad values are reported by the parser', () => {
  const { problems } = parse(['--dataset', 'mmlu', '--dataset-limit', '0', '--shots', '-1', '--scoring', 'fuzzy']);
  assert.deepEqual(problems.map((p) => [p.where, p.message]), [
    ['--dataset', "'mmlu' is not one of gsm8k, jsonl"],
    ['--dataset-limit', "'0' is not a whole number ≥ 1"],
    ['--shots', "'-1' is not a whole number ≥ 0"],
    ['--scoring', "'fuzzy' is not one of exact, number"],
  ]);
});

test('flags that do not fit together are all reported at once', () => {
  const check = (argv: string[]) => {
    const { args } = parse(argv);
    return qualityProblems(args.values, args.explicit).map((p) => `${p.where}: ${p.message}`);
  };
  assert.deepEqual(check(['--dataset', 'gsm8k']), ['--dataset: --dataset gsm8k needs --dataset-path FILE (llmbench never downloads datasets)']);
  assert.deepEqual(check(['--dataset-path', 'x.jsonl', '--shots', '2']), ['--dataset-path: only applies with --dataset', '--shots: only applies with --dataset']);
  assert.deepEqual(check(['--dataset', 'gsm8k', '--dataset-path', 'x', '--scoring', 'number', '--shots-path', 's.jsonl']), [
    '--scoring: only applies with --dataset jsonl (GSM8K uses question/answer and numeric scoring)',
    '--shots-path: has no effect without --shots K (K ≥ 1)',
  ]);
  assert.deepEqual(check(['--perplexity-window', '64']), ['--perplexity-window: only applies with --perplexity FILE']);
  assert.deepEqual(check(['--perplexity', 'w.txt', '--perplexity-window', '64', '--perplexity-stride', '65']), ['--perplexity-stride: 65 is larger than --perplexity-window 64']);
  assert.deepEqual(check([]), []);
});

test('createQualityWorkload: null without --dataset, UsageError naming --dataset-path without a file', () => {
  assert.equal(createQualityWorkload({ shots: 0, promptField: 'question', answerField: 'answer', scoring: 'exact' }), null);
  assert.throws(() => createQualityWorkload({ dataset: 'gsm8k' }), (e: unknown) => e instanceof UsageError && e.exitCode === 2 && /--dataset-path FILE/.test(e.message) && /grade-school-math/.test(e.message));
  const j = createQualityWorkload({ dataset: 'jsonl', datasetPath: '/x/my.jsonl', promptField: 'input', answerField: 'target', scoring: 'number' }) as QaDatasetWorkload;
  assert.equal(j.config.dataset, 'jsonl');
  assert.equal(j.config.scoring, 'number');
  assert.equal(j.config.maxTokens, 512);
  assert.deepEqual(j.config.extra, { prompt_field: 'input', answer_field: 'target' });
});

test('datasetItemCount: lines, minus head-of-file shots, capped by --dataset-limit; unreadable file is a problem', () => {
  const problems: Problem[] = [];
  const gsm = { dataset: 'gsm8k', datasetPath: '../shared/datasets/gsm8k/test.jsonl' };
  assert.equal(datasetItemCount(gsm, process.cwd(), problems), 1319);
  assert.equal(datasetItemCount({ ...gsm, shots: 5 }, process.cwd(), problems), 1314);
  assert.equal(datasetItemCount({ ...gsm, shots: 5, shotsPath: 'x.jsonl' }, process.cwd(), problems), 1319);
  assert.equal(datasetItemCount({ ...gsm, datasetLimit: 200 }, process.cwd(), problems), 200);
  assert.equal(datasetItemCount({}, process.cwd(), problems), null);
  assert.deepEqual(problems, []);
  const unreadable: Problem[] = [];
  assert.equal(datasetItemCount({ dataset: 'gsm8k', datasetPath: 'nope.jsonl' }, '/tmp', unreadable), null);
  assert.deepEqual(unreadable.map((p) => [p.where, p.message]), [['--dataset-path', 'cannot read /tmp/nope.jsonl (ENOENT)']]);
});
