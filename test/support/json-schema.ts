/**
 * A small JSON Schema checker for the subset the published schemas use (type, enum, const, required,
 * properties, patternProperties, additionalProperties, items, minimum, minItems, maxItems). Returns the list of
 * violations with their paths, so a test failure says exactly which field drifted from the schema.
 */
type Schema = Record<string, unknown>;

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

export function validate(schema: Schema, value: unknown, path = '$'): string[] {
  const errs: string[] = [];
  if (schema.type !== undefined) {
    const types = ([] as string[]).concat(schema.type as string | string[]);
    const t = typeOf(value);
    if (!types.includes(t) && !(t === 'integer' && types.includes('number'))) errs.push(`${path}: expected ${types.join('|')}, got ${t}`);
  }
  if (schema.enum && !(schema.enum as unknown[]).includes(value)) errs.push(`${path}: ${JSON.stringify(value)} not in enum`);
  if ('const' in schema && schema.const !== value) errs.push(`${path}: expected ${JSON.stringify(schema.const)}`);
  if (typeof value === 'number' && typeof schema.minimum === 'number' && value < schema.minimum) errs.push(`${path}: below minimum`);
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    for (const k of (schema.required as string[] | undefined) ?? []) if (!(k in o)) errs.push(`${path}.${k}: missing`);
    const props = (schema.properties as Record<string, Schema> | undefined) ?? {};
    const pats = Object.entries((schema.patternProperties as Record<string, Schema> | undefined) ?? {});
    for (const [k, v] of Object.entries(o)) {
      if (props[k]) errs.push(...validate(props[k]!, v, `${path}.${k}`));
      else {
        const pat = pats.find(([re]) => new RegExp(re).test(k));
        if (pat) errs.push(...validate(pat[1], v, `${path}.${k}`));
        else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') errs.push(...validate(schema.additionalProperties as Schema, v, `${path}.${k}`));
      }
    }
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) errs.push(`${path}: too few items`);
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) errs.push(`${path}: too many items`);
    if (schema.items) value.forEach((v, i) => errs.push(...validate(schema.items as Schema, v, `${path}[${i}]`)));
  }
  return errs;
}
