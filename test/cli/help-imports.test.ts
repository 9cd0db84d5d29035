/**
 * `llmbench --help` must stay fast (issue 11): what the CLI loads before a command runs is the option tables and
 * help, not the runner, a server adapter, charts or the database. Checked from the sources: every static import
 * that survives compilation, followed from src/cli/bin.ts (dynamic `import()` is where a command loads its work,
 * so it is not followed). Imports only a type uses may be counted too; that errs on the safe side.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** Specifiers of the imports and re-exports of a source that load a module at run time. */
export function valueImports(text: string): string[] {
  const sf = ts.createSourceFile('x.ts', text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const out: string[] = [];
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st)) {
      const c = st.importClause;
      // `import type …` and `import { type A, type B }` are erased; a bare `import 'x'` or any value name is kept.
      const typeOnly = c !== undefined && (c.isTypeOnly || (!c.name && c.namedBindings !== undefined && ts.isNamedImports(c.namedBindings) && c.namedBindings.elements.length > 0 && c.namedBindings.elements.every((e) => e.isTypeOnly)));
      if (!typeOnly) out.push((st.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(st) && st.moduleSpecifier) {
      const typeOnly = st.isTypeOnly || (st.exportClause !== undefined && ts.isNamedExports(st.exportClause) && st.exportClause.elements.length > 0 && st.exportClause.elements.every((e) => e.isTypeOnly));
      if (!typeOnly) out.push((st.moduleSpecifier as ts.StringLiteral).text);
    }
  }
  return out;
}

/** Source files (relative to the repository) and packages loaded, following static value imports from `entry`. */
function loadedBy(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = [resolve(ROOT, entry)];
  while (queue.length) {
    const f = queue.shift()!;
    const rel = relative(ROOT, f).split('\\').join('/');
    if (files.has(rel)) continue;
    files.add(rel);
    for (const s of valueImports(readFileSync(f, 'utf8'))) {
      if (s.startsWith('node:')) continue;
      if (!s.startsWith('.')) {
        packages.add(s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!);
        continue;
      }
      const target = resolve(dirname(f), s.replace(/\.js$/, '.ts'));
      assert.ok(existsSync(target), `${rel} imports ${s}, which does not exist`);
      queue.push(target);
    }
  }
  return { files: [...files].sort(), packages: [...packages].sort() };
}

test('--help loads no package, no server adapter, runner, sweep, dashboard, charts or database', () => {
  const { files, packages } = loadedBy('src/cli/bin.ts');
  assert.ok(files.includes('src/cli/options/server.ts') && files.includes('src/cli/commands/sweep.ts'), 'the walk reached the option tables');
  assert.deepEqual(packages, []);
  // The server kinds come from the import-free list, never from the registry of specs.
  assert.deepEqual(files.filter((f) => f.startsWith('src/targets/')), ['src/targets/kinds.ts']);
  // (Light helpers of those folders, such as the CPU list parser of engine/llama/affinity.ts, may load.)
  const heavy = /^src\/(net|sweep|dashboard|monitors|engine\/serve|runner\/(benchmark|plan|run|execute)|reports\/charts\/render|store\/history)(\/|\.ts$)/;
  assert.deepEqual(files.filter((f) => heavy.test(f)), []);
});

test('valueImports: type-only imports and re-exports are erased, every other kind is a load', () => {
  const text = [
    "import { a } from './a.js';",
    "import type { B } from './b.js';",
    "import { type C } from './c.js';",
    "import { type D, d } from './d.js';",
    "import './e.js';",
    "import * as f from './f.js';",
    "export { g } from './g.js';",
    "export type { H } from './h.js';",
    "export { type I } from './i.js';",
    "const j = await import('./j.js');",
  ].join('\n');
  assert.deepEqual(valueImports(text), ['./a.js', './d.js', './e.js', './f.js', './g.js']);
});
