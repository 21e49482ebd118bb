/** The longest external id an account may have (the app's own id for it). */
export const EXTERNAL_ID_LENGTH_MAX = 256;

// Bidirectional controls: they reorder how text around them is shown, so an id could read as
// another in a dashboard or a log (U+200E/F marks, U+061C, embeddings, overrides, isolates).
const BIDI_CONTROLS = new Set([
  0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069,
]);

/** C0 and C1 control characters, and DEL: a CR/LF in an id would split a header or a log line. */
const isControl = (codePoint: number) => codePoint <= 0x1f || (codePoint >= 0x7f && codePoint <= 0x9f);

/** U+2028 and U+2029 end a line too, for JavaScript and for many log viewers. */
const isLineSeparator = (codePoint: number) => codePoint === 0x2028 || codePoint === 0x2029;

/**
 * What is wrong with an external id, or null when it is one: 1 to 256 characters, no control
 * character (C0, DEL, C1), no line or paragraph separator (U+2028, U+2029), no bidirectional control, and no whitespace at either end (so not
 * whitespace only). The app's ids are compared exactly, byte for byte; these are the characters
 * that would make two different ids look the same, or one id break the line it is written on.
 *
 * @example
 * externalIdProblem("user_2f9a") // null
 * externalIdProblem("a\r\nSet-Cookie: x") // "must not contain control characters (U+000D)"
 */
export function externalIdProblem(externalId: string): string | null {
  if (externalId.length === 0 || externalId.length > EXTERNAL_ID_LENGTH_MAX) {
    return `must be 1 to ${EXTERNAL_ID_LENGTH_MAX} characters`;
  }
  if (/^\s|\s$/u.test(externalId)) return "must not start or end with whitespace";
  for (const character of externalId) {
    const codePoint = character.codePointAt(0) as number;
    if (isControl(codePoint)) return `must not contain control characters (${codePointName(codePoint)})`;
    if (isLineSeparator(codePoint)) {
      return `must not contain line or paragraph separators (${codePointName(codePoint)})`;
    }
    if (BIDI_CONTROLS.has(codePoint)) {
      return `must not contain bidirectional control characters (${codePointName(codePoint)})`;
    }
  }
  return null;
}

const codePointName = (codePoint: number) => `U+${codePoint.toString(16).toUpperCase().padStart(4, "0")}`;
