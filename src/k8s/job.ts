/**
 * The Kubernetes Indexed Job that runs N shards of one `llmbench run` (docs/scale.md). Pure: a plain object (or
 * its YAML/JSON text) from the settings; nothing is applied.
 *
 * Indexed, so each pod knows its shard from JOB_COMPLETION_INDEX; completions = parallelism = N so every shard
 * runs at once; backoffLimit 0 and restartPolicy Never because a retried pod would start after the shared
 * instant and send a different load: a failed shard is run again by hand, and `llmbench merge` names it missing.
 */
import { stringify } from 'yaml';

export interface JobSettings {
  shards: number;
  image: string;
  namespace: string | null;
  /** A ReadWriteMany PersistentVolumeClaim the shards write their folders to; null: an emptyDir (results stay in the pods). */
  resultsPvc: string | null;
  /** The shared start instant, epoch ms. */
  startAtEpoch: number;
  /** `llmbench run` arguments, without --shard, --start-at and --out (the Job sets them). */
  runArgs: string[];
}

/** Where results go inside the pod (the volume's mount point). */
export const RESULTS_MOUNT = '/results';

/** A DNS-1123 name from the start instant, so two rendered Jobs do not clash: llmbench-20261203-101500. */
export function jobName(startAtEpoch: number): string {
  const iso = new Date(startAtEpoch).toISOString();
  return `llmbench-${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}`;
}

export function renderJob(s: JobSettings): Record<string, unknown> {
  const name = jobName(s.startAtEpoch);
  const labels = { 'app.kubernetes.io/name': 'llmbench', 'app.kubernetes.io/instance': name };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, ...(s.namespace ? { namespace: s.namespace } : {}), labels },
    spec: {
      completionMode: 'Indexed',
      completions: s.shards,
      parallelism: s.shards,
      backoffLimit: 0,
      template: {
        metadata: { labels: { ...labels } },
        spec: {
          restartPolicy: 'Never',
          // The image runs as user node (uid 1000); the volume's group lets it write there.
          securityContext: { fsGroup: 1000 },
          containers: [
            {
              name: 'llmbench',
              image: s.image,
              // The image's entrypoint is llmbench; $(JOB_COMPLETION_INDEX) is expanded by the kubelet.
              args: ['run', ...s.runArgs, '--shard', `$(JOB_COMPLETION_INDEX)/${s.shards}`, '--start-at', new Date(s.startAtEpoch).toISOString(), '--out', RESULTS_MOUNT, '--no-report'],
              env: [{ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } }],
              volumeMounts: [{ name: 'results', mountPath: RESULTS_MOUNT }],
            },
          ],
          volumes: [s.resultsPvc ? { name: 'results', persistentVolumeClaim: { claimName: s.resultsPvc } } : { name: 'results', emptyDir: {} }],
        },
      },
    },
  };
}

export function renderJobText(job: Record<string, unknown>, format: 'yaml' | 'json'): string {
  return format === 'json' ? JSON.stringify(job, null, 2) + '\n' : stringify(job);
}
