/**
 * The embedded target for quality tests, when it is in the tree. It is another issue's file
 * (src/targets/embedded.ts), so it is imported by a computed path and the tests skip, saying why, without it.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type RunClock } from '../../src/core/clock.js';
import { type TokenScorer } from '../../src/core/scorer.js';
import { type Target } from '../../src/targets/target.js';

export const MODEL = resolve('../shared/fixtures/models/stories260K.gguf');

export interface EmbeddedLike extends Target {
  scorer(): TokenScorer;
}
export type CreateEmbedded = (o: { modelPath: string; clock: RunClock; threads: number; contextSize: number }) => Promise<EmbeddedLike>;

export async function loadEmbedded(): Promise<{ create: CreateEmbedded | null; skip: string | false }> {
  if (!existsSync(MODEL)) return { create: null, skip: `${MODEL} is missing` };
  const path = '../../src/targets/embedded.js';
  try {
    const mod = (await import(path)) as { createEmbeddedTarget: CreateEmbedded };
    return { create: mod.createEmbeddedTarget, skip: false };
  } catch {
    return { create: null, skip: 'the embedded target (src/targets/embedded.ts) is not in this tree' };
  }
}
