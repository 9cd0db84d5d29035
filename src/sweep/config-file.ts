/**
 * Servers configured by a JSON file (MindIE's config.json): the plan's template is copied per point with some keys
 * set. Keys are dotted paths; a segment that is a whole number indexes an array (`ModelConfig.0.npuMemSize`).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type ParamValue, renderValue } from './template.js';

export class ConfigPathError extends Error {}

/** Sets `path` in `doc` (mutated). Missing objects along the way are created; walking into a scalar is an error. */
export function setPath(doc: unknown, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur: unknown = doc;
  for (let i = 0; i < parts.length; i++) {
    const key = parts[i]!;
    const last = i === parts.length - 1;
    if (Array.isArray(cur)) {
      if (!/^\d+$/.test(key)) throw new ConfigPathError(`'${parts.slice(0, i).join('.')}' is an array: '${key}' is not an index`);
      const idx = Number(key);
      if (idx > cur.length) throw new ConfigPathError(`'${parts.slice(0, i).join('.')}' has ${cur.length} items: index ${idx} is past the end`);
      if (last) cur[idx] = value;
      else {
        if (cur[idx] === undefined || cur[idx] === null) cur[idx] = {};
        cur = cur[idx];
      }
      continue;
    }
    if (cur === null || typeof cur !== 'object') throw new ConfigPathError(`'${parts.slice(0, i).join('.')}' is a ${cur === null ? 'null' : typeof cur}, not an object: cannot set '${path}'`);
    const obj = cur as Record<string, unknown>;
    if (last) obj[key] = value;
    else {
      if (obj[key] === undefined || obj[key] === null) obj[key] = {};
      cur = obj[key];
    }
  }
}

export function readTemplate(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** The template with every `set` key rendered for one point. */
export function renderConfig(template: unknown, set: Readonly<Record<string, ParamValue>>, values: Readonly<Record<string, ParamValue>>): unknown {
  const doc = structuredClone(template);
  for (const [path, v] of Object.entries(set)) setPath(doc, path, renderValue(v, values));
  return doc;
}

export function writeConfig(file: string, doc: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(doc, null, 2) + '\n');
}
