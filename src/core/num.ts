/** A finite number or null: servers and files send null, strings, NaN or omit fields, and unmeasured is never 0. */
export function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
