import { estimate } from './src/estimate/plan.js';
import { findPreset } from './src/estimate/presets.js';
import { resolveHardware } from './src/estimate/hardware.js';
const r = estimate({ shape: findPreset('llama-3.1-8b')!, dtype: null, kvDtype: 'auto', hardware: resolveHardware('rtx-3090'), devices: 1, tp: 1, engine: 'vllm', context: 20000, concurrency: 1, inputTokens: 1024, outputTokens: 256, knobs: { } });
console.log(JSON.stringify(r, null, 1));
const r2 = estimate({ shape: findPreset('deepseek-v3')!, dtype: 'fp8', kvDtype: 'auto', hardware: resolveHardware('h200'), devices: 8, tp: 8, engine: 'sglang', context: 32768, concurrency: 16, inputTokens: 1024, outputTokens: 256, knobs: { } });
console.log(JSON.stringify({...r2, model: undefined}, null, 1));
