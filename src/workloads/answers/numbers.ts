/**
 * Numbers as GSM8K-style answers write them, reduced to one canonical decimal string so that `18`, `18.00`,
 * `$18`, `1,234` and `1234.0` compare equal. Canonicalisation is done on the digits (not through a float), so
 * large integers and long decimals are compared exactly.
 */

/**
 * One number as written in text: optional sign (ASCII `-` or Unicode minus U+2212), optional currency sign, then
 * either a thousands-grouped integer (`1,234,567`), a plain integer, or a decimal (`3.50`, `.5`).
 * A trailing `.` is not part of the number ("... is 18." → 18), because a decimal point needs a digit after it.
 * Grouping needs exactly three digits after each comma, so a list like `1,2,3` reads as three numbers.
 * A minus sign must touch the digits (`-3`); `16 - 3` is a subtraction, not the number -3, and neither is the
 * `-` in `16-3` (the left-hand lookbehind rejects a sign that follows a digit).
 */
export const NUMBER_SOURCE = String.raw`[-\u2212]?(?:[$€£¥₹]\s?)?[-\u2212]?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)`;

/**
 * Global regex over NUMBER_SOURCE; digits glued to letters on the left (`x2`, `H2O`) are not numbers.
 * Only used through matchAll, which iterates a copy, so the shared lastIndex stays 0.
 */
const NUMBER_IN_TEXT = new RegExp(String.raw`(?<![A-Za-z0-9_.])` + NUMBER_SOURCE + String.raw`(?![0-9])`, 'g');

/** First number in a string; not global, so exec keeps no state between calls. */
const FIRST_NUMBER = new RegExp(NUMBER_SOURCE);

/**
 * Canonical form of one written number, or null when `raw` holds none.
 *   "$1,234.50" → "1234.5", "-0.0" → "0", "007" → "7", ".5" → "0.5", "−3" → "-3", "18%" → "18"
 */
export function canonicalNumber(raw: string): string | null {
  const m = FIRST_NUMBER.exec(raw);
  if (!m) return null;
  const text = m[0];
  const negative = /[-\u2212]/.test(text);
  const digits = text.replace(/[^0-9.]/g, '');
  const [intRaw = '', fracRaw = ''] = digits.split('.');
  const intPart = intRaw.replace(/^0+/, '') || '0';
  const fracPart = fracRaw.replace(/0+$/, '');
  const body = fracPart ? `${intPart}.${fracPart}` : intPart;
  return negative && body !== '0' ? `-${body}` : body;
}

/** Every number in `text`, canonical, in order of appearance. */
export function allNumbers(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(NUMBER_IN_TEXT)) {
    const c = canonicalNumber(m[0]);
    if (c !== null) out.push(c);
  }
  return out;
}

/** The last number in `text`, canonical, or null. */
export function lastNumber(text: string): string | null {
  const all = allNumbers(text);
  return all.length ? all[all.length - 1]! : null;
}

/** Numeric equality of two canonical (or raw) number strings: "18.00" == "18", "1,234" == "1234". */
export function numbersEqual(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return false;
  const ca = canonicalNumber(a);
  const cb = canonicalNumber(b);
  return ca !== null && ca === cb;
}
