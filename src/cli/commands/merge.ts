/**
 * `llmbench merge DIR... --out DIR`: the shards of one run (--shard I/N) as one run folder, summarised from the
 * merged raw records (src/runner/merge.ts).
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type CommandDef } from '../command.js';
import { UsageError } from '../../core/errors.js';

export const mergeCommand: CommandDef = {
  name: 'merge',
  summary: 'merge the result folders of a run\'s shards (--shard I/N) into one run, re-summarised from the raw records',
  description:
    'Records are put on one clock (shard 0\'s) and every scenario is summarised again from all of them, by the same code as a single run: never percentiles of percentiles. ' +
    'Each shard\'s client figures are kept (scenarios[].client.shards). Refuses (exit 2) folders of different plans, overlapping shards, and names any missing shard. See docs/scale.md.',
  positionals: [{ name: 'dir', description: 'the shards\' result folders', variadic: true, required: true }],
  options: [{ name: 'out', kind: 'string', placeholder: 'DIR', group: 'Merge', description: 'the merged run folder to write (results.json, requests.jsonl); must not exist or be empty', defaultText: 'required' }],
  examples: ['llmbench merge results/*_shard-*-of-3 --out results/merged'],
  async run(args, io) {
    const out = args.values.out;
    if (typeof out !== 'string') throw new UsageError([{ where: '--out', message: 'missing', hint: 'llmbench merge DIR... --out MERGED_DIR' }]);
    const outDir = resolve(io.cwd, out);
    if (existsSync(outDir) && readdirSync(outDir).length) throw new UsageError([{ where: '--out', message: `${outDir} exists and is not empty`, hint: 'choose a new folder' }]);
    const { loadRunDir } = await import('../../reports/inputs.js');
    const { mergeShards } = await import('../../runner/merge.js');
    const { writeJsonAtomic } = await import('../../runner/output.js');
    const { summaryTable } = await import('../../reports/run-tables.js');
    const { renderTable } = await import('../../reports/table.js');
    const merged = mergeShards(args.positionals.map((d) => loadRunDir(resolve(io.cwd, d))));
    mkdirSync(outDir, { recursive: true });
    writeFileSync(resolve(outDir, 'requests.jsonl'), merged.records.map((r) => JSON.stringify(r) + '\n').join(''));
    writeJsonAtomic(resolve(outDir, 'results.json'), merged.result);
    io.stdout(renderTable(summaryTable(merged.result), 'table'));
    io.stderr(`merged ${args.positionals.length} shards, ${merged.records.filter((r) => !r.warmup).length} requests: ${outDir}\n`);
    return 0;
  },
};
