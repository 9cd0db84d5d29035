/**
 * The layering rule of docs/architecture.md, checked: every relative import in src/**\/*.ts (static, `export … from`,
 * dynamic `import()`, type-only) must point at a folder its own folder's row allows. The rule is read from the
 * table in the doc, so doc and code cannot drift apart silently.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '..');
const SRC = join(ROOT, 'src');
const DOC = join(ROOT, 'docs', 'architecture.md');

/** One row of the table: the unit (`core` for `src/core/`, `index.ts` for `src/index.ts`) and what it may import. */
interface Rule {
  unit: string;
  mayImport: Set<string> | 'everything';
}

/** Parses the `| folder | concept | may import |` table. Throws on a malformed row rather than skipping it. */
export function parseRules(markdown: string): Map<string, Rule> {
  const lines = markdown.split('\n');
  const head = lines.findIndex((l) => /^\|\s*folder\s*\|\s*concept\s*\|\s*may import\s*\|\s*$/.test(l));
  if (head < 0) throw new Error('docs/architecture.md has no "| folder | concept | may import |" table');
  const rules = new Map<string, Rule>();
  const butOf = new Map<string, Set<string>>();
  for (const line of lines.slice(head + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells.length !== 3) throw new Error(`architecture table row without 3 cells: ${line}`);
    const m = /^`src\/([^/`]+)\/?`$/.exec(cells[0]!);
    if (!m) throw new Error(`architecture table: the first cell must be \`src/NAME/\` or \`src/FILE.ts\`: ${line}`);
    const unit = m[1]!;
    const allowed = cells[2]!.replace(/`/g, '');
    let mayImport: Rule['mayImport'];
    const but = /^everything but (.+)$/.exec(allowed);
    if (but) {
      // Resolved once every row is read: all the other units, less the ones named.
      butOf.set(unit, new Set(but[1]!.split(',').map((s) => s.trim().replace(/^src\//, '').replace(/\/$/, ''))));
      mayImport = new Set();
    } else if (allowed === 'everything') mayImport = 'everything';
    else if (allowed === 'nothing') mayImport = new Set();
    else mayImport = new Set(allowed.split(',').map((s) => s.trim().replace(/^src\//, '').replace(/\/$/, '')));
    if (rules.has(unit)) throw new Error(`architecture table names src/${unit} twice`);
    rules.set(unit, { unit, mayImport });
  }
  for (const [unit, except] of butOf) {
    for (const u of except) if (!rules.has(u)) throw new Error(`architecture table: src/${unit} excepts '${u}', which has no row`);
    rules.get(unit)!.mayImport = new Set([...rules.keys()].filter((u) => u !== unit && !except.has(u)));
  }
  return rules;
}

export interface Import {
  file: string; // relative to the repository root, with '/'
  line: number;
  specifier: string;
}

/** Every import of a TypeScript source, comments and strings excluded (the compiler's own pre-processor). */
export function importsOf(file: string, text: string): Import[] {
  const info = ts.preProcessFile(text, true, true);
  return info.importedFiles.map((f) => ({ file, specifier: f.fileName, line: text.slice(0, f.pos).split('\n').length }));
}

/** The unit a path under src/ belongs to: its first path segment (a folder, or a file directly in src/). */
function unitOf(srcRelative: string): string {
  return srcRelative.split('/')[0]!;
}

/** The problems of one import against the rules; [] when it is allowed. */
export function check(imp: Import, rules: Map<string, Rule>): string[] {
  if (!imp.specifier.startsWith('.')) return []; // node: builtins and packages
  const from = unitOf(imp.file.replace(/^src\//, ''));
  const target = relative(SRC, resolve(ROOT, dirname(imp.file), imp.specifier)).split(sep).join('/');
  const where = `${imp.file}:${imp.line} imports '${imp.specifier}'`;
  if (target.startsWith('..')) return [`${where}, which is outside src/`];
  // A file directly in src/ is imported by its built name (`../index.js`) and has its row by its source name.
  const to = unitOf(target).replace(/\.js$/, '.ts');
  if (to === from) return [];
  const rule = rules.get(from);
  if (!rule) return [`${where}: src/${from} has no row in the docs/architecture.md table`];
  if (rule.mayImport === 'everything' || rule.mayImport.has(to)) return [];
  const allowed = [...rule.mayImport].join(', ') || 'nothing';
  return [`${where} (${to}): ${from} may import ${allowed} (docs/architecture.md)`];
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** A cycle in the allowed imports, as a path `a → b → a`, or null. */
export function findCycle(rules: Map<string, Rule>): string | null {
  const state = new Map<string, 'open' | 'done'>();
  const walk = (u: string, path: string[]): string | null => {
    if (state.get(u) === 'done') return null;
    if (state.get(u) === 'open') return [...path.slice(path.indexOf(u)), u].join(' → ');
    state.set(u, 'open');
    const r = rules.get(u);
    const next = !r ? [] : r.mayImport === 'everything' ? [...rules.keys()].filter((k) => k !== u) : [...r.mayImport];
    for (const n of next) {
      const c = walk(n, [...path, u]);
      if (c) return c;
    }
    state.set(u, 'done');
    return null;
  };
  for (const u of rules.keys()) {
    const c = walk(u, []);
    if (c) return c;
  }
  return null;
}

const rules = parseRules(readFileSync(DOC, 'utf8'));

test('architecture: the table covers every folder of src/, names only real ones, and has no cycle', () => {
  const units = readdirSync(SRC).filter((n) => statSync(join(SRC, n)).isDirectory() || n.endsWith('.ts')).sort();
  assert.deepEqual(units.filter((u) => !rules.has(u)).map((u) => `src/${u} has no row`), []);
  assert.deepEqual([...rules.keys()].filter((u) => !units.includes(u)).map((u) => `row src/${u} names nothing in src/`), []);
  for (const r of rules.values()) {
    if (r.mayImport === 'everything') continue;
    assert.deepEqual([...r.mayImport].filter((u) => !rules.has(u)).map((u) => `src/${r.unit} may import '${u}', which has no row`), []);
  }
  assert.equal(findCycle(rules), null);
});

test('architecture: every import in src/ follows the table of docs/architecture.md', () => {
  const problems: string[] = [];
  let n = 0;
  for (const abs of sources(SRC)) {
    const file = relative(ROOT, abs).split(sep).join('/');
    for (const imp of importsOf(file, readFileSync(abs, 'utf8'))) {
      n++;
      problems.push(...check(imp, rules));
    }
  }
  assert.ok(n > 500, `only ${n} imports found: the scan is broken`);
  assert.deepEqual(problems, []);
});

test('architecture checker: finds static, re-exported, dynamic and type-only imports that break the table', () => {
  const doc = [
    '| folder | concept | may import |',
    '|---|---|---|',
    '| `src/core/` | bottom | nothing |',
    '| `src/metrics/` | math | core |',
    '| `src/reports/` | renderers | `core`, `metrics` |',
    '| `src/cli/` | commands | everything |',
  ].join('\n');
  const r = parseRules(doc);
  const text = [
    "import { a } from '../core/a.js';",
    "import type { R } from '../reports/r.js';",
    "export { b } from '../cli/b.js';",
    '// import { c } from "../cli/commented.js";',
    "const m = await import('../reports/lazy.js');",
    "import { x } from './same.js';",
    "import { y } from 'undici';",
    "import { z } from '../../scripts/z.js';",
  ].join('\n');
  const found = importsOf('src/metrics/m.ts', text).flatMap((i) => check(i, r));
  assert.deepEqual(found, [
    "src/metrics/m.ts:2 imports '../reports/r.js' (reports): metrics may import core (docs/architecture.md)",
    "src/metrics/m.ts:3 imports '../cli/b.js' (cli): metrics may import core (docs/architecture.md)",
    "src/metrics/m.ts:5 imports '../reports/lazy.js' (reports): metrics may import core (docs/architecture.md)",
    "src/metrics/m.ts:8 imports '../../scripts/z.js', which is outside src/",
  ]);
  assert.deepEqual(importsOf('src/core/c.ts', "import { q } from '../metrics/q.js';").flatMap((i) => check(i, r)), [
    "src/core/c.ts:1 imports '../metrics/q.js' (metrics): core may import nothing (docs/architecture.md)",
  ]);
  assert.deepEqual(importsOf('src/cli/c.ts', "import { q } from '../reports/q.js';").flatMap((i) => check(i, r)), []);
  assert.deepEqual(importsOf('src/store/s.ts', "import { q } from '../core/q.js';").flatMap((i) => check(i, r)), [
    "src/store/s.ts:1 imports '../core/q.js': src/store has no row in the docs/architecture.md table",
  ]);
  assert.equal(findCycle(parseRules(doc.replace('| core |', '| core, reports |'))), 'metrics → reports → metrics');
  assert.throws(() => parseRules('no table'), /no "\| folder \| concept \| may import \|" table/);
  // A unit above the top one (the library entry re-exports a CLI mapping): `everything but` keeps the rule acyclic.
  const withEntry = `${doc}\n| \`src/index.ts\` | library entry | cli |`;
  assert.equal(findCycle(parseRules(withEntry)), 'cli → index.ts → cli');
  const but = parseRules(withEntry.replace('| commands | everything |', '| commands | everything but `src/index.ts` |'));
  assert.deepEqual(but.get('cli')!.mayImport, new Set(['core', 'metrics', 'reports']));
  assert.equal(findCycle(but), null);
  assert.deepEqual(importsOf('src/cli/c.ts', "import { q } from '../index.js';").flatMap((i) => check(i, but)), [
    "src/cli/c.ts:1 imports '../index.js' (index.ts): cli may import core, metrics, reports (docs/architecture.md)",
  ]);
  assert.throws(() => parseRules(doc.replace('| commands | everything |', '| commands | everything but `src/nope/` |')), /excepts 'nope', which has no row/);
});
