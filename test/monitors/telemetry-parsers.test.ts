import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { parseNvidiaSmi, smiNumber } from '../../src/monitors/telemetry/nvidia-smi.js';
import { parseRocmSmi } from '../../src/monitors/telemetry/rocm-smi.js';
import { parseNpuSmiInfo, parseNpuSmiUsages, usagesToSample } from '../../src/monitors/telemetry/npu-smi.js';
import { parseDcgm } from '../../src/monitors/telemetry/dcgm.js';
import { integrateEnergyJ, summarizeTelemetry } from '../../src/monitors/telemetry/summarize.js';
import { splitCommand } from '../../src/monitors/telemetry/sources.js';

const MIB = 1024 * 1024;

test('nvidia-smi: nounits output, and the [N/A] fields of GB10 (protocols.md §10.2)', () => {
  const d = parseNvidiaSmi('0, GPU-x, NVIDIA H100 80GB HBM3, 8311, 16303, 5, 12.98, 51\n');
  assert.deepEqual(d, [{ id: '0', name: 'NVIDIA H100 80GB HBM3', memory_used_bytes: 8311 * MIB, memory_total_bytes: 16303 * MIB, utilization_pct: 5, power_w: 12.98, temperature_c: 51 }]);
  // The GB10 line as printed with units: memory is [N/A] (unified memory).
  const gb10 = parseNvidiaSmi('0, GPU-y, NVIDIA GB10, [N/A], [N/A], 5 %, 12.98 W, 51');
  assert.equal(gb10[0]!.memory_used_bytes, null);
  assert.equal(gb10[0]!.memory_total_bytes, null);
  assert.equal(gb10[0]!.utilization_pct, 5);
  assert.equal(gb10[0]!.power_w, 12.98);
  assert.equal(smiNumber('[Not Supported]'), null);
  assert.equal(smiNumber('103 MiB'), 103);
  assert.equal(smiNumber('N/A'), null);
  assert.deepEqual(parseNvidiaSmi('index, uuid, name\n'), []);
});

test('rocm-smi: string values in bytes, cardN keys, the system key skipped (protocols.md §10.3)', () => {
  const d = parseRocmSmi('{"card0": {"VRAM Total Memory (B)": "25753026560", "VRAM Total Used Memory (B)": "1000"}, "system": {"x": "y"}}');
  assert.deepEqual(d, [{ id: '0', name: null, memory_used_bytes: 1000, memory_total_bytes: 25753026560, utilization_pct: null, power_w: null }]);
  const p = parseRocmSmi('{"card1": {"GPU use (%)": "37", "Current Socket Graphics Package Power (W)": "402.0"}}');
  assert.equal(p[0]!.id, '1');
  assert.equal(p[0]!.utilization_pct, 37);
  assert.equal(p[0]!.power_w, 402);
  assert.deepEqual(parseRocmSmi('not json'), []);
});

test('npu-smi info: the real 8-NPU table of seed 001, broken spacing of five-digit values', () => {
  const seed = readdirSync('../shared/seeds').find((f) => f.startsWith('001_'))!;
  const text = readFileSync(`../shared/seeds/${seed}`, 'utf8');
  const table = text.slice(text.indexOf('# npu-smi info'), text.indexOf('mindie_llm_back          | 50195                   |\n+===') + 200);
  const d = parseNpuSmiInfo(table);
  assert.equal(d.length, 8);
  assert.deepEqual(d[0], { id: '0', name: '910B3', memory_used_bytes: 3357 * MIB, memory_total_bytes: 65536 * MIB, utilization_pct: 0, power_w: 93.1, temperature_c: 51 });
  assert.deepEqual(
    d.map((x) => [x.id, x.memory_used_bytes! / MIB, x.utilization_pct, x.power_w]),
    [['0', 3357, 0, 93.1], ['1', 3350, 0, 91.2], ['2', 3347, 0, 89.7], ['3', 3348, 0, 92.1], ['4', 53492, 47, 176.6], ['5', 53491, 48, 173.5], ['6', 53491, 49, 169.8], ['7', 53492, 47, 175.6]],
  );
});

test('npu-smi info -t usages: capacity × rate per chip', () => {
  const chips = parseNpuSmiUsages('  Chip ID : 0\n  HBM Capacity(MB) : 65536\n  HBM Usage Rate(%) : 5\n  Aicore Usage Rate(%) : 0\n  NPU Utilization(%) : 3\n  Chip ID : 1\n  HBM Capacity(MB) : 65536\n  HBM Usage Rate(%) : 10\n');
  assert.equal(chips.length, 2);
  assert.deepEqual(chips[0], { hbm_capacity_mb: 65536, hbm_usage_pct: 5, aicore_pct: 0, npu_utilization_pct: 3 });
  const s = usagesToSample('0', chips);
  assert.equal(s.memory_used_bytes, (65536 * 0.05 + 65536 * 0.1) * MIB);
  assert.equal(s.memory_total_bytes, 2 * 65536 * MIB);
  assert.equal(s.utilization_pct, 3);
});

test('DCGM exporter: units, per-gpu labels, blank sentinels dropped', () => {
  const text = [
    '# TYPE DCGM_FI_DEV_FB_USED gauge',
    'DCGM_FI_DEV_FB_USED{gpu="0",UUID="GPU-a",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",hostname="h"} 40000',
    'DCGM_FI_DEV_FB_FREE{gpu="0",UUID="GPU-a",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",hostname="h"} 41559',
    'DCGM_FI_DEV_POWER_USAGE{gpu="0",modelName="NVIDIA H100 80GB HBM3"} 312.5',
    'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu="0",modelName="NVIDIA H100 80GB HBM3"} 123456789',
    'DCGM_FI_DEV_GPU_UTIL{gpu="0",modelName="NVIDIA H100 80GB HBM3"} 97',
    'DCGM_FI_DEV_GPU_UTIL{gpu="1",modelName="NVIDIA H100 80GB HBM3"} 9223372036854775794',
    'DCGM_FI_DEV_FB_USED{gpu="1",modelName="NVIDIA H100 80GB HBM3"} 10',
  ].join('\n');
  const d = parseDcgm(text);
  assert.deepEqual(d[0], { id: '0', name: 'NVIDIA H100 80GB HBM3', memory_used_bytes: 40000 * MIB, memory_total_bytes: 81559 * MIB, utilization_pct: 97, power_w: 312.5, energy_j: 123456.789, temperature_c: null });
  assert.equal(d[1]!.utilization_pct, null);
  assert.equal(d[1]!.memory_used_bytes, 10 * MIB);
});

test('summaries: peak/mean memory, above idle, energy by trapezoid, per output token', () => {
  const dev = (mem: number, power: number | null) => ({ id: '0', name: 'g', memory_used_bytes: mem, memory_total_bytes: 100, utilization_pct: 50, power_w: power });
  const s = summarizeTelemetry(
    [
      { t_ms: 0, devices: [dev(10, 100)] },
      { t_ms: 1000, devices: [dev(30, 200)] },
      { t_ms: 3000, devices: [dev(20, 200)] },
    ],
    [dev(5, 50)],
    50,
  );
  assert.equal(s.devices[0]!.memory_used_peak_bytes, 30);
  assert.equal(s.devices[0]!.memory_used_mean_bytes, 20);
  assert.equal(s.devices[0]!.memory_above_idle_peak_bytes, 25);
  assert.equal(s.devices[0]!.energy_j, 150 + 400); // (100+200)/2·1 s + 200·2 s
  assert.equal(s.summary.energy_per_output_token_j, 11);
  assert.equal(s.summary.memory_idle_bytes, 5);
  assert.equal(integrateEnergyJ([{ t_ms: 0, power_w: 1 }]), null);
  // nothing measured: nulls, not zeros
  const none = summarizeTelemetry([], null, 10).summary;
  assert.equal(none.memory_used_peak_bytes, null);
  assert.equal(none.energy_per_output_token_j, null);
  assert.equal(none.power_mean_w, null);
});

test('--telemetry-cmd splitting', () => {
  assert.deepEqual(splitCommand('ssh -p 2222 "gpu host" \'a b\' c\\ d'), ['ssh', '-p', '2222', 'gpu host', 'a b', 'c d']);
  assert.deepEqual(splitCommand('  '), []);
});
