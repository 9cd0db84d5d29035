/**
 * The option model. Every flag of every command is one OptionDef in src/cli/options/*.ts; the parser, `--help`
 * and docs/cli.md are all generated from those definitions, so they cannot drift apart.
 */
import { type Problem } from '../core/errors.js';
import { durationMs } from '../core/duration.js';

export type OptionKind = 'string' | 'number' | 'int' | 'boolean' | 'duration' | 'list';

export interface OptionDef<T = unknown> {
  /** kebab-case flag name without dashes: `input-tokens`. */
  name: string;
  /** Other names for the same flag (`context` for `context-size`). */
  aliases?: readonly string[];
  /** One-letter short flag (`o` for `-o`). */
  short?: string;
  kind: OptionKind;
  /** For kind 'list': each comma-separated item (and each repeat of the flag) is parsed by `parse`. */
  repeatable?: boolean;
  choices?: readonly string[];
  default?: T;
  /** Shown in help instead of the default value (e.g. "first model from /v1/models"). */
  defaultText?: string;
  /** Environment variables read when the flag is absent, first found wins. */
  env?: readonly string[];
  /** Placeholder in help: `--rate R[,S...]`. */
  placeholder?: string;
  description: string;
  /** Help section. */
  group: string;
  /** The value is never printed, logged or written to results (API keys). */
  secret?: boolean;
  /** Custom parser for one raw value (one list item for lists). Throw OptionValueError to report a problem. */
  parse?: (raw: string) => unknown;
}

export class OptionValueError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
  }
}

export function camelKey(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Parses `30s`, `500ms`, `2m`, `1h` or a bare number of seconds into milliseconds (src/core/duration.ts). */
export function parseDurationMs(raw: string): number {
  const ms = durationMs(raw);
  if (ms === null) throw new OptionValueError(`'${raw}' is not a duration`, 'write it as 500ms, 30s, 2m or 1h');
  return ms;
}

export function parseNumber(raw: string, integer: boolean): number {
  const s = raw.trim();
  const v = s === '' ? NaN : Number(s);
  if (!Number.isFinite(v)) throw new OptionValueError(`'${raw}' is not a number`);
  if (integer && !Number.isInteger(v)) throw new OptionValueError(`'${raw}' is not a whole number`);
  return v;
}

/** A parse for whole-number options with a lower bound: `--requests` ≥ 1, `--warmup` ≥ 0, ... */
export function intAtLeast(min: number): (raw: string) => number {
  return (raw) => {
    const s = raw.trim();
    const v = s === '' ? NaN : Number(s);
    if (!Number.isInteger(v) || v < min) throw new OptionValueError(`'${raw}' is not a whole number ≥ ${min}`);
    return v;
  };
}

export function parseJsonObject(raw: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (e) {
    throw new OptionValueError(`not valid JSON (${(e as Error).message})`, `quote it for the shell: --extra-body '{"top_k": 1}'`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new OptionValueError('must be a JSON object', `e.g. '{"top_k": 1}'`);
  return v as Record<string, unknown>;
}

/** Parsed flags keyed by camelCase name, plus positionals. */
export interface ParsedArgs {
  values: Record<string, unknown>;
  /** Which keys the user set explicitly (flag or environment), as opposed to defaults. */
  explicit: Set<string>;
  positionals: string[];
}

function levenshtein(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}

function suggest(name: string, defs: readonly OptionDef[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const d of defs) {
    for (const n of [d.name, ...(d.aliases ?? [])]) {
      const dist = levenshtein(name, n);
      if (dist < bestD) {
        bestD = dist;
        best = d.name;
      }
    }
  }
  return bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function convert(def: OptionDef, raw: string, where: string, problems: Problem[]): unknown {
  try {
    if (def.parse) return def.parse(raw);
    switch (def.kind) {
      case 'number':
        return parseNumber(raw, false);
      case 'int':
        return parseNumber(raw, true);
      case 'duration':
        return parseDurationMs(raw);
      default:
        if (def.choices && !def.choices.includes(raw)) {
          throw new OptionValueError(`'${raw}' is not one of ${def.choices.join(', ')}`);
        }
        return raw;
    }
  } catch (e) {
    const hint = e instanceof OptionValueError ? e.hint : undefined;
    problems.push({ where, message: (e as Error).message, hint });
    return undefined;
  }
}

/**
 * Parses argv against a set of option definitions. Never throws: every problem is collected so the user
 * sees all of them at once.
 */
export function parseArgs(argv: readonly string[], defs: readonly OptionDef[], env: NodeJS.ProcessEnv = {}): { args: ParsedArgs; problems: Problem[] } {
  const byName = new Map<string, OptionDef>();
  const byShort = new Map<string, OptionDef>();
  for (const d of defs) {
    byName.set(d.name, d);
    for (const a of d.aliases ?? []) byName.set(a, d);
    if (d.short) byShort.set(d.short, d);
  }
  const values: Record<string, unknown> = {};
  const explicit = new Set<string>();
  const positionals: string[] = [];
  const problems: Problem[] = [];

  const assign = (def: OptionDef, raw: string, where: string) => {
    const key = camelKey(def.name);
    if (def.kind === 'list') {
      const items = def.repeatable ? [raw] : raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
      if (items.length === 0) problems.push({ where, message: 'needs at least one value' });
      const prev = explicit.has(key) && Array.isArray(values[key]) ? (values[key] as unknown[]) : [];
      const parsed = items.map((it) => convert(def, it, where, problems));
      values[key] = [...prev, ...parsed];
    } else {
      if (explicit.has(key) && !def.repeatable) {
        problems.push({ where, message: 'given more than once', hint: 'give it once, or use a comma list where the option takes one' });
      }
      values[key] = convert(def, raw, where, problems);
    }
    explicit.add(key);
  };

  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i]!;
    if (tok === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (tok.startsWith('--')) {
      const eq = tok.indexOf('=');
      let name = eq >= 0 ? tok.slice(2, eq) : tok.slice(2);
      let inline = eq >= 0 ? tok.slice(eq + 1) : undefined;
      let negated = false;
      let def = byName.get(name);
      if (!def && name.startsWith('no-')) {
        const base = byName.get(name.slice(3));
        if (base && base.kind === 'boolean') {
          def = base;
          negated = true;
          name = name.slice(3);
        }
      }
      if (!def) {
        const s = suggest(name, defs);
        problems.push({ where: `--${name}`, message: 'unknown option', hint: s ? `did you mean --${s}?` : 'see --help for the options this command takes' });
        if (inline === undefined && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('-')) i++;
        continue;
      }
      if (def.kind === 'boolean') {
        const key = camelKey(def.name);
        if (inline !== undefined) {
          if (!['true', 'false', '1', '0'].includes(inline)) {
            problems.push({ where: `--${name}`, message: `'${inline}' is not true or false` });
            continue;
          }
          values[key] = inline === 'true' || inline === '1';
        } else values[key] = !negated;
        explicit.add(key);
        continue;
      }
      if (inline === undefined) {
        inline = argv[i + 1];
        if (inline === undefined || (inline.startsWith('--') && inline.length > 2)) {
          problems.push({ where: `--${name}`, message: 'needs a value', hint: def.placeholder ? `--${def.name} ${def.placeholder}` : undefined });
          continue;
        }
        i++;
      }
      assign(def, inline, `--${name}`);
      continue;
    }
    if (tok.startsWith('-') && tok.length > 1 && !/^-\d/.test(tok)) {
      const def = byShort.get(tok.slice(1, 2));
      if (!def) {
        problems.push({ where: tok, message: 'unknown option', hint: 'see --help for the options this command takes' });
        continue;
      }
      if (def.kind === 'boolean') {
        values[camelKey(def.name)] = true;
        explicit.add(camelKey(def.name));
        continue;
      }
      let raw: string | undefined = tok.length > 2 ? tok.slice(2) : argv[++i];
      if (raw === undefined) {
        problems.push({ where: tok, message: 'needs a value' });
        continue;
      }
      if (raw.startsWith('=')) raw = raw.slice(1);
      assign(def, raw, `-${def.short}`);
      continue;
    }
    positionals.push(tok);
  }

  for (const d of defs) {
    const key = camelKey(d.name);
    if (explicit.has(key)) continue;
    const fromEnv = d.env?.map((e) => env[e]).find((v) => v !== undefined && v !== '');
    if (fromEnv !== undefined) {
      if (d.kind === 'boolean') values[key] = fromEnv === '1' || fromEnv === 'true';
      else assign(d, fromEnv, d.env!.find((e) => env[e] === fromEnv)!);
      explicit.add(key);
    } else if (d.default !== undefined) {
      // A string default is written as a user would type it, so it takes the same parse as a typed value
      // (e.g. --arrival's 'poisson' → { kind: 'poisson' }); anything else is stored as the value itself.
      values[key] = typeof d.default === 'string' && d.kind === 'string' && d.parse ? d.parse(d.default) : d.default;
    }
  }
  return { args: { values, explicit, positionals }, problems };
}
