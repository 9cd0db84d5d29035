import { type CommandDef } from '../command.js';
import { type ParsedArgs } from '../option.js';
import { UsageError } from '../../core/errors.js';
import { ESTIMATE_OPTIONS } from '../options/estimate.js';
import { type EngineName } from '../../estimate/engines.js';
import { resolveHardware } from '../../estimate/hardware.js';
import { estimate } from '../../estimate/plan.js';
import { loadModelShape } from '../../estimate/load-shape.js';
import { renderEstimate } from '../../reports/estimate.js';
import { type TableFormat } from '../../reports/table.js';


export const estimateCommand: CommandDef = {
  name: 'estimate',
  summary: 'plan memory and speed: weights, KV cache, engine pool, fit, suggested settings, roofline',
  description:
    'Sizes a model on a device under an engine\'s KV-pool rule (vLLM, SGLang, TensorRT-LLM, llama.cpp, MindIE) and bounds its '
    + 'prefill and decode speed by memory bandwidth and compute. Engines size their pool after profiling activations at start-up, '
    + 'so the pool is an estimate unless --kv-memory gives the GiB the engine logged. Formulas and sources: docs/estimate.md.',
  positionals: [{ name: 'model', description: 'config.json path (or its folder), .gguf file (header only is read), or a preset name (llama-3.1-8b, qwen3-32b, deepseek-v3, ...)', required: true }],
  options: ESTIMATE_OPTIONS,
  examples: [
    'llmbench estimate llama-3.1-8b --hardware rtx-3090 --context 20000',
    'llmbench estimate ./Qwen3-32B/config.json --hardware h100-sxm --tp 2 --engine sglang --concurrency 32 --context 8192',
    'llmbench estimate model.gguf --engine llamacpp --hardware rtx-4090 --kv-dtype q8_0 --context 32768',
    'llmbench estimate deepseek-v3 --dtype fp8 --hardware h200 --tp 8 --json',
    'llmbench estimate qwen2.5-72b --engine mindie --hardware ascend-910b3 --tp 4 --context 4096',
  ],
  async run(args: ParsedArgs, io) {
    const v = args.values as Record<string, unknown>;
    const shape = await loadModelShape(args.positionals[0]!, io.cwd);
    const engine = v['engine'] as EngineName;
    const tp = (v['tp'] as number | undefined) ?? 1;
    const devices = (v['devices'] as number | undefined) ?? tp;
    const problems = [];
    if (tp < 1) problems.push({ where: '--tp', message: 'must be at least 1' });
    if (devices < tp) problems.push({ where: '--devices', message: `${devices} is fewer than --tp ${tp}`, hint: 'devices counts every device; TP uses tp of them per replica' });
    if (problems.length) throw new UsageError(problems);
    const hardware = typeof v['hardware'] === 'string' ? resolveHardware(v['hardware']) : null;
    const context = (v['context'] as number | undefined) ?? (engine === 'llamacpp' ? 4096 : shape.maxContext ?? 4096);
    const result = estimate({
      shape,
      dtype: (v['dtype'] as string | undefined) ?? null,
      kvDtype: (v['kvDtype'] as string | undefined) ?? 'auto',
      hardware,
      devices,
      tp,
      engine,
      context,
      concurrency: (v['concurrency'] as number | undefined) ?? 1,
      inputTokens: Math.min((v['inputTokens'] as number | undefined) ?? 1024, context),
      outputTokens: (v['outputTokens'] as number | undefined) ?? 256,
      knobs: {
        gpuMemoryUtilization: v['gpuMemoryUtilization'] as number | undefined,
        memFractionStatic: v['memFractionStatic'] as number | undefined,
        freeGpuMemoryFraction: v['freeGpuMemoryFraction'] as number | undefined,
        npuMemSize: v['npuMemSize'] as number | undefined,
        blockSize: v['blockSize'] as number | undefined,
        kvMemory: v['kvMemory'] as number | undefined,
      },
    });
    const format: TableFormat = v['json'] === true ? 'json' : ((v['format'] as TableFormat | undefined) ?? 'table');
    io.stdout(renderEstimate(result, format));
    return 0;
  },
};
