/**
 * `{name}` placeholders in server commands, targets, env values and config-file values. A placeholder name is an
 * identifier, so JSON braces (`{"a": 1}`) in a command are left alone.
 */
export type ParamValue = string | number | boolean;

export const PLACEHOLDER_RE = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const SINGLE_RE = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/** The names a template refers to, in order of appearance (repeats kept once). */
export function placeholders(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(PLACEHOLDER_RE)) if (!out.includes(m[1]!)) out.push(m[1]!);
  return out;
}

/** Replaces every known placeholder; unknown ones are left as written (the plan check reports them first). */
export function render(text: string, values: Readonly<Record<string, ParamValue>>): string {
  return text.replace(PLACEHOLDER_RE, (all, name: string) => (name in values ? String(values[name]) : all));
}

/**
 * A config-file value: a string that is exactly one placeholder keeps its parameter's type (`"{max_seqs}"` → 8,
 * not "8"), because servers such as MindIE reject a quoted number; anything else is rendered as text.
 */
export function renderValue(value: ParamValue, values: Readonly<Record<string, ParamValue>>): ParamValue {
  if (typeof value !== 'string') return value;
  const m = SINGLE_RE.exec(value);
  if (m && m[1]! in values) return values[m[1]!]!;
  return render(value, values);
}
