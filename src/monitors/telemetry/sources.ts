/**
 * Telemetry sources: a local or wrapped (`--telemetry-cmd "ssh gpu-host"`) command per tool, or a DCGM exporter URL.
 * Commands run with execFile (no shell) and a timeout, asynchronously, so sampling never blocks the request path.
 */
import { execFile } from 'node:child_process';
import { parseDcgm } from './dcgm.js';
import { NVIDIA_SMI_ARGS, parseNvidiaSmi } from './nvidia-smi.js';
import { parseNpuSmiInfo, parseNpuSmiUsages, usagesToSample } from './npu-smi.js';
import { parseRocmSmi, ROCM_SMI_ARGS } from './rocm-smi.js';
import { type DeviceSample, type TelemetrySource } from './types.js';

/** The tool is not installed (ENOENT locally, exit 127 through a wrapper): a notice, not an error. */
export class ToolMissing extends Error {}

/** Splits a wrapper command like `ssh -p 2222 "gpu host"` into argv (double/single quotes, backslash escapes). */
export function splitCommand(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: '"' | "'" | null = null;
  let has = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      has = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
    }
  }
  if (has || cur) out.push(cur);
  return out;
}

export interface RunOptions {
  /** Wrapper prefix (`ssh host`), already split. */
  wrapper: string[];
  timeoutMs: number;
}

export function runTool(tool: string, args: string[], opts: RunOptions): Promise<string> {
  const argv = [...opts.wrapper, tool, ...args];
  return new Promise((resolve, reject) => {
    execFile(argv[0]!, argv.slice(1), { timeout: opts.timeoutMs, maxBuffer: 4 * 1024 * 1024, windowsHide: true }, (err, stdout, stderr) => {
      if (err) {
        const code = (err as { code?: unknown }).code;
        if (code === 'ENOENT' || code === 127) reject(new ToolMissing(`${argv[0]} not found`));
        else reject(new Error(`${argv.join(' ')} failed: ${(stderr || err.message).toString().trim().slice(0, 200)}`));
        return;
      }
      resolve(stdout);
    });
  });
}

export function nvidiaSmiSource(opts: RunOptions): TelemetrySource {
  return { name: 'nvidia-smi', sample: async () => parseNvidiaSmi(await runTool('nvidia-smi', NVIDIA_SMI_ARGS, opts)) };
}

export function rocmSmiSource(opts: RunOptions): TelemetrySource {
  return { name: 'rocm-smi', sample: async () => parseRocmSmi(await runTool('rocm-smi', ROCM_SMI_ARGS, opts)) };
}

/** `npu-smi info`; NPUs whose table row lacks HBM figures (other SKUs' layouts) are filled from `-t usages -i N`. */
export function npuSmiSource(opts: RunOptions): TelemetrySource {
  return {
    name: 'npu-smi',
    sample: async () => {
      const devs: DeviceSample[] = parseNpuSmiInfo(await runTool('npu-smi', ['info'], opts));
      for (const d of devs) {
        if (d.memory_used_bytes !== null) continue;
        const u = usagesToSample(d.id, parseNpuSmiUsages(await runTool('npu-smi', ['info', '-t', 'usages', '-i', d.id], opts)));
        d.memory_used_bytes = u.memory_used_bytes;
        d.memory_total_bytes = u.memory_total_bytes;
        d.utilization_pct = d.utilization_pct ?? u.utilization_pct;
      }
      return devs;
    },
  };
}

export function dcgmSource(url: string, fetchText: (url: string) => Promise<string>): TelemetrySource {
  return { name: 'dcgm', sample: async () => parseDcgm(await fetchText(url)) };
}
