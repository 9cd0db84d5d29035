/**
 * `llmbench k8s job --shards N --image IMAGE ... -- run ARGS...`: prints the Indexed Job that runs the shards
 * (src/k8s/job.ts). The run arguments are checked here as `llmbench run` would check them, so a bad flag is a
 * usage error at render time, not N failed pods.
 */
import { type CommandDef } from '../command.js';
import { type Problem, UsageError } from '../../core/errors.js';
import { intAtLeast, parseDurationMs } from '../option.js';

export const k8sCommand: CommandDef = {
  name: 'k8s',
  summary: 'print a Kubernetes Indexed Job that runs `llmbench run` as N shards starting together (docs/scale.md)',
  description:
    'Usage: llmbench k8s job --shards N --image IMAGE [...] -- run ARGS. Each pod runs `llmbench run ARGS --shard $(JOB_COMPLETION_INDEX)/N --start-at TIME --out /results`; ' +
    'TIME is now + --start-in, rendered into the manifest. backoffLimit 0 and restartPolicy Never: a retried pod would start late. Merge the folders with llmbench merge.',
  positionals: [
    { name: 'what', description: 'job', required: true },
    { name: 'run-args', description: 'after --: run and its arguments', variadic: true },
  ],
  options: [
    { name: 'shards', kind: 'int', placeholder: 'N', group: 'Job', description: 'pods, each running one shard', defaultText: 'required', parse: intAtLeast(1) },
    { name: 'image', kind: 'string', placeholder: 'IMAGE', group: 'Job', description: 'container image with llmbench as its entrypoint (the repository\'s Dockerfile builds one)', defaultText: 'required' },
    { name: 'namespace', kind: 'string', placeholder: 'NS', group: 'Job', description: 'namespace of the Job', defaultText: 'kubectl\'s current one' },
    { name: 'results-pvc', kind: 'string', placeholder: 'NAME', group: 'Job', description: 'ReadWriteMany PersistentVolumeClaim mounted at /results, where every shard writes its folder (and the barrier between scenarios lives)', defaultText: 'an emptyDir: results stay in the pods' },
    { name: 'start-in', kind: 'duration', placeholder: 'DURATION', group: 'Job', default: 120_000, defaultText: '2m', description: 'the shards start this long after the manifest is rendered: time to apply it, schedule pods and pull the image' },
    { name: 'format', kind: 'string', choices: ['yaml', 'json'], default: 'yaml', group: 'Job', description: 'manifest format' },
  ],
  examples: ['llmbench k8s job --shards 3 --image registry.example/llmbench:0.1 --results-pvc llmbench-results -- run --target http://vllm:8000 --rate 30 --duration 5m'],
  async run(args, io) {
    const v = args.values;
    const problems: Problem[] = [];
    const [what, runWord, ...runArgs] = args.positionals;
    if (what !== 'job') problems.push({ where: what ?? '<what>', message: 'unknown k8s subcommand', hint: 'llmbench k8s job --shards N --image IMAGE -- run ARGS' });
    if (runWord !== 'run') problems.push({ where: runWord ?? '--', message: 'needs `-- run ARGS...`', hint: 'e.g. -- run --target http://vllm:8000 --rate 30 --duration 5m' });
    if (typeof v.shards !== 'number') problems.push({ where: '--shards', message: 'missing', hint: 'how many pods: --shards 3' });
    if (typeof v.image !== 'string') problems.push({ where: '--image', message: 'missing', hint: 'build one from the repository\'s Dockerfile' });
    for (const a of runArgs) {
      const flag = a.split('=')[0]!;
      if (['--shard', '--start-at', '--out', '--lead-time'].includes(flag)) problems.push({ where: flag, message: 'is set by the Job', hint: 'drop it from the run arguments' });
    }
    if (problems.length) throw new UsageError(problems);
    const startAtEpoch = Date.now() + (typeof v.startIn === 'number' ? v.startIn : parseDurationMs(String(v.startIn)));
    const shards = v.shards as number;
    // The pods' run, checked here (a shard index of 0 stands in for the real one).
    const { runConfigFromArgv } = await import('../run-config.js');
    runConfigFromArgv([...runArgs, '--shard', `0/${shards}`, '--start-at', String(startAtEpoch)], io.env);
    const { renderJob, renderJobText } = await import('../../k8s/job.js');
    const job = renderJob({ shards, image: v.image as string, namespace: (v.namespace as string | undefined) ?? null, resultsPvc: (v.resultsPvc as string | undefined) ?? null, startAtEpoch, runArgs });
    io.stdout(renderJobText(job, v.format === 'json' ? 'json' : 'yaml'));
    io.stderr(`job ${(job.metadata as { name: string }).name}: shards start at ${new Date(startAtEpoch).toISOString()}; kubectl apply the manifest before then${v.resultsPvc ? '' : '; without --results-pvc the results stay inside the pods'}\n`);
    return 0;
  },
};
