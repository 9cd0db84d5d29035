#!/usr/bin/env node
// Runs the compiled CLI (built by `npm ci` through the prepare script). In a source checkout without dist/,
// fall back to the TypeScript sources through tsx, so `node bin/llmbench.js` works during development too.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'cli', 'bin.js');
if (existsSync(built)) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, 'src', 'cli', 'bin.ts')).href);
}
