/**
 * Hardware presets (per device, dense peak rates) from estimation.md §5, and `mem=…,bw=…,flops=…` specs.
 * Memory is what the runtime sees as total (torch `mem_get_info`): H100 80GB = 79.22 GiB, RTX 3090 = 23.58 GiB
 * (estimation.md §3); other cards use their nominal GiB less the same ~1% the driver keeps.
 * FLOP/s are dense 16-bit tensor rates; GeForce cards use the FP32-accumulate rate (pitfall 11).
 */
import { UsageError } from '../core/errors.js';

export interface HardwareSpec {
  id: string;
  name: string;
  kind: 'gpu' | 'npu' | 'apple' | 'custom';
  /** Total device memory as the runtime reports it, bytes. */
  memory_bytes: number;
  /** Peak memory bandwidth, bytes/s. */
  bandwidth_bytes_per_s: number;
  /** Dense 16-bit peak, FLOP/s. */
  flops_per_s: number;
  /** Dense 8-bit (FP8/INT8) peak, FLOP/s; null when the device has no faster 8-bit path or it is unknown. */
  flops8_per_s: number | null;
  /** False when the figures are not from a datasheet (Ascend 910B, Apple GPUs). */
  verified: boolean;
}

const GiB = 2 ** 30;
const GB = 1e9;
const T = 1e12;

function gpu(id: string, name: string, nominalGiB: number, bwGBs: number, tflops: number, tflops8: number | null, usableGiB?: number, kind: HardwareSpec['kind'] = 'gpu', verified = true): HardwareSpec {
  return {
    id, name, kind,
    memory_bytes: Math.round((usableGiB ?? nominalGiB * 0.99) * GiB),
    bandwidth_bytes_per_s: bwGBs * GB,
    flops_per_s: tflops * T,
    flops8_per_s: tflops8 === null ? null : tflops8 * T,
    verified,
  };
}

export const HARDWARE_PRESETS: readonly HardwareSpec[] = [
  gpu('a100-40gb', 'NVIDIA A100 40GB SXM', 40, 1555, 312, 624),
  gpu('a100-80gb', 'NVIDIA A100 80GB SXM', 80, 2039, 312, 624, 79.15),
  gpu('a100-80gb-pcie', 'NVIDIA A100 80GB PCIe', 80, 1935, 312, 624, 79.15),
  gpu('h100-sxm', 'NVIDIA H100 SXM 80GB', 80, 3350, 989, 1979, 79.22),
  gpu('h100-pcie', 'NVIDIA H100 PCIe 80GB', 80, 2000, 756, 1513, 79.22),
  gpu('h100-nvl', 'NVIDIA H100 NVL 94GB', 94, 3900, 835, 1671),
  gpu('h200', 'NVIDIA H200 SXM 141GB', 141, 4800, 989, 1979),
  gpu('l40s', 'NVIDIA L40S 48GB', 48, 864, 362.05, 733),
  gpu('rtx-3090', 'NVIDIA GeForce RTX 3090', 24, 936.2, 71, 142, 23.58),
  gpu('rtx-3090-ti', 'NVIDIA GeForce RTX 3090 Ti', 24, 1008, 80, null, 23.58),
  gpu('rtx-4090', 'NVIDIA GeForce RTX 4090', 24, 1008, 165.2, 330.3, 23.64),
  gpu('mi250', 'AMD Instinct MI250 (OAM, both GCDs)', 128, 3276.8, 362.1, 362.1),
  gpu('mi250x', 'AMD Instinct MI250X (both GCDs)', 128, 3276.8, 383, 383),
  gpu('mi300x', 'AMD Instinct MI300X', 192, 5300, 1307.4, 2614.9),
  // Ascend: no public per-variant datasheet (estimation.md §5 notes); 64 GB HBM (npu-smi shows 65536 MB).
  gpu('ascend-910b', 'Huawei Ascend 910B (B3 figures)', 64, 1600, 313, 626, 64, 'npu', false),
  gpu('ascend-910b1', 'Huawei Ascend 910B1', 64, 1600, 378, 756, 64, 'npu', false),
  gpu('ascend-910b2', 'Huawei Ascend 910B2', 64, 1600, 353, 706, 64, 'npu', false),
  gpu('ascend-910b3', 'Huawei Ascend 910B3', 64, 1600, 313, 626, 64, 'npu', false),
  gpu('ascend-910b4', 'Huawei Ascend 910B4 32GB', 32, 1600, 280, 560, 32, 'npu', false),
  // Apple: unified memory, GPU FP32 rates (no faster 16-bit matrix path counted); largest memory configuration.
  gpu('m2-max', 'Apple M2 Max (96 GB)', 96, 400, 13.6, null, 96, 'apple', false),
  gpu('m2-ultra', 'Apple M2 Ultra (192 GB)', 192, 800, 27.2, null, 192, 'apple', false),
  gpu('m3-max', 'Apple M3 Max 40-core (128 GB)', 128, 400, 16.4, null, 128, 'apple', false),
  gpu('m4-max', 'Apple M4 Max 40-core (128 GB)', 128, 546, 18.4, null, 128, 'apple', false),
];

const ALIASES: Readonly<Record<string, string>> = {
  a100: 'a100-80gb', 'a100-40': 'a100-40gb', 'a100-80': 'a100-80gb', h100: 'h100-sxm', 'h100-80gb': 'h100-sxm', 'h200-sxm': 'h200',
  '3090': 'rtx-3090', '4090': 'rtx-4090', rtx3090: 'rtx-3090', rtx4090: 'rtx-4090', '910b': 'ascend-910b', '910b1': 'ascend-910b1',
  '910b2': 'ascend-910b2', '910b3': 'ascend-910b3', '910b4': 'ascend-910b4', mi300: 'mi300x',
};

export function findHardware(name: string): HardwareSpec | null {
  const k = name.trim().toLowerCase().replace(/[ _]/g, '-');
  const id = ALIASES[k] ?? k;
  return HARDWARE_PRESETS.find((h) => h.id === id) ?? null;
}

const UNIT = /^(\d+(?:\.\d+)?)\s*([a-z/]*)$/i;

/** `80GB` / `80GiB` / `24G` (GiB, as GPU tools print) / bytes. */
function parseBytes(raw: string): number {
  const m = UNIT.exec(raw.trim());
  if (!m) throw new Error(`'${raw}' is not a size`);
  const v = Number(m[1]);
  const u = m[2]!.toLowerCase();
  const f: Record<string, number> = { '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: GiB, tib: 2 ** 40, g: GiB, m: 2 ** 20 };
  if (f[u] === undefined) throw new Error(`unknown size unit '${m[2]}' in '${raw}'`);
  return v * f[u]!;
}

/** `3.35TB/s`, `936GB/s`, `3350` (GB/s when bare). */
function parseBandwidth(raw: string): number {
  const m = UNIT.exec(raw.trim());
  if (!m) throw new Error(`'${raw}' is not a bandwidth`);
  const v = Number(m[1]);
  const u = m[2]!.toLowerCase().replace(/\/s$/, '');
  const f: Record<string, number> = { '': GB, gb: GB, tb: 1e12, mb: 1e6, gib: GiB, tib: 2 ** 40 };
  if (f[u] === undefined) throw new Error(`unknown bandwidth unit '${m[2]}' in '${raw}'`);
  return v * f[u]!;
}

/** `989T`, `989TFLOPS`, `1.3P`, `13.6` (TFLOP/s when bare). */
function parseFlops(raw: string): number {
  const m = UNIT.exec(raw.trim());
  if (!m) throw new Error(`'${raw}' is not a FLOP/s figure`);
  const v = Number(m[1]);
  const u = m[2]!.toLowerCase().replace(/flops?(\/s)?$/, '');
  const f: Record<string, number> = { '': T, t: T, g: 1e9, p: 1e15 };
  if (f[u] === undefined) throw new Error(`unknown FLOP/s unit '${m[2]}' in '${raw}'`);
  return v * f[u]!;
}

/**
 * Resolves `--hardware`: a preset name (`h100-sxm`, `rtx-4090`, `ascend-910b3`, ...), or explicit
 * `mem=80GB,bw=3.35TB/s,flops=989T[,flops8=1979T][,name=...]`, or a preset with overrides (`ascend-910b,bw=1.8TB/s`).
 */
export function resolveHardware(spec: string): HardwareSpec {
  const parts = spec.split(',').map((s) => s.trim()).filter(Boolean);
  const base = parts[0] && !parts[0].includes('=') ? parts.shift()! : null;
  let hw: HardwareSpec | null = null;
  if (base) {
    hw = findHardware(base);
    if (!hw) throw new UsageError([{ where: '--hardware', message: `unknown hardware '${base}'`, hint: `one of ${HARDWARE_PRESETS.map((h) => h.id).join(', ')}, or mem=80GB,bw=3.35TB/s,flops=989T` }]);
    if (parts.length === 0) return hw;
  }
  const out: Partial<HardwareSpec> = hw ? { ...hw, id: `${hw.id}+custom`, verified: false } : { id: 'custom', name: 'custom', kind: 'custom', flops8_per_s: null, verified: false };
  try {
    for (const p of parts) {
      const [k, v] = p.split('=', 2).map((s) => s.trim()) as [string, string | undefined];
      if (v === undefined || v === '') throw new Error(`'${p}' needs a value (key=value)`);
      if (k === 'mem' || k === 'memory') out.memory_bytes = parseBytes(v);
      else if (k === 'bw' || k === 'bandwidth') out.bandwidth_bytes_per_s = parseBandwidth(v);
      else if (k === 'flops') out.flops_per_s = parseFlops(v);
      else if (k === 'flops8') out.flops8_per_s = parseFlops(v);
      else if (k === 'name') out.name = v;
      else throw new Error(`unknown key '${k}' (mem, bw, flops, flops8, name)`);
    }
  } catch (e) {
    throw new UsageError([{ where: '--hardware', message: (e as Error).message, hint: 'e.g. --hardware mem=80GB,bw=3.35TB/s,flops=989T' }]);
  }
  const missing = (['memory_bytes', 'bandwidth_bytes_per_s', 'flops_per_s'] as const).filter((k) => out[k] === undefined);
  if (missing.length) throw new UsageError([{ where: '--hardware', message: `missing ${missing.map((m) => ({ memory_bytes: 'mem', bandwidth_bytes_per_s: 'bw', flops_per_s: 'flops' })[m]).join(', ')}`, hint: 'e.g. --hardware mem=80GB,bw=3.35TB/s,flops=989T' }]);
  return out as HardwareSpec;
}
