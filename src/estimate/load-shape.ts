/** A model's shape from what a user names: a GGUF file, a config.json (or a folder holding one), or a preset. */
import { stat, open } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { modelShapeFromGguf } from './gguf-shape.js';
import { readHfConfig } from './hf-config.js';
import { findPreset, presetNames } from './presets.js';
import { type ModelShape } from './shape.js';

async function isGguf(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(4);
    await fh.read(b, 0, 4, 0);
    return b.toString('latin1') === 'GGUF';
  } finally {
    await fh.close();
  }
}

/** MODEL is a GGUF file, a config.json (or a folder holding one), or a preset name. */
export async function loadModelShape(model: string, cwd: string): Promise<ModelShape> {
  const path = model.startsWith('/') ? model : join(cwd, model);
  const st = await stat(path).catch(() => null);
  if (st?.isDirectory()) return readHfConfig(join(path, 'config.json'));
  if (st?.isFile()) return (await isGguf(path)) ? modelShapeFromGguf(path) : readHfConfig(path);
  const preset = findPreset(model);
  if (preset) return preset;
  throw new UsageError([{ where: `<model> ${model}`, message: 'not a file and not a preset', hint: `pass a config.json, a .gguf file, or one of: ${presetNames().join(', ')}` }]);
}
