import { estimate } from './src/estimate/plan.js';
import { findPreset } from './src/estimate/presets.js';
import { resolveHardware } from './src/estimate/hardware.js';
let t = Date.now();
const r = estimate({ shape: findPreset('mixtral-8x7b')!, dtype: null, kvDtype: 'auto', hardware: resolveHardware('h200'), devices: 1, tp: 1, engine: 'vllm', context: 8192, concurrency: 1, inputTokens: 1, outputTokens: 1, knobs: {} });
console.log(Date.now() - t, r.roofline, r.kv_cache);
const r2 = estimate({ shape: findPreset('llama-3.1-70b')!, dtype: null, kvDtype: 'auto', hardware: resolveHardware('h100-sxm'), devices: 4, tp: 4, engine: 'vllm', context: 8192, concurrency: 32, inputTokens: 1024, outputTokens: 256, knobs: {} });
console.log(r2.suggested, r2.fits, r2.memory);
