/**
 * Durations as people write them (`30s`, `500ms`, `2m`, `1h`, or a bare number of seconds). One reader for the
 * command line (src/cli/option.ts) and for files that take durations (sweep plans), so both accept the same text.
 */
const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;

/** Milliseconds the text names, or null when it is not a duration. */
export function durationMs(raw: string): number | null {
  const m = DURATION_RE.exec(raw.trim());
  if (!m) return null;
  const v = Number(m[1]);
  const unit = m[2] ?? 's';
  return unit === 'ms' ? v : unit === 's' ? v * 1000 : unit === 'm' ? v * 60_000 : v * 3_600_000;
}
