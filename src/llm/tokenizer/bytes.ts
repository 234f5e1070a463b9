/**
 * GPT-2's `bytes_to_unicode`: a bijection between the 256 byte values and 256 printable
 * characters, so that byte-level tokens can be stored as ordinary strings in vocab.json and
 * merges.txt (no spaces, newlines or control characters inside a token string).
 */

/** Printable bytes keep their own character; the rest are shifted to U+0100 and up, in order. */
function buildByteChars(): string[] {
  const chars = new Array<string>(256);
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    chars[b] = String.fromCharCode(printable ? b : 256 + shifted++);
  }
  return chars;
}

/** `BYTE_TO_CHAR[b]` is the character standing for byte `b`. */
export const BYTE_TO_CHAR: readonly string[] = buildByteChars();

/** The byte a character stands for; only the 256 characters of `BYTE_TO_CHAR` are present. */
export const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

/**
 * The 256 byte characters in GPT-2's order (printable bytes first, then the shifted ones),
 * which is the order of ids 0–255 in GPT-2's vocab.json; trained vocabularies use it too.
 */
export const BYTE_CHARS_IN_GPT2_ORDER: readonly string[] = [...BYTE_TO_CHAR].sort(
  (a, b) => a.charCodeAt(0) - b.charCodeAt(0),
);

/** A byte-level token string as the bytes it stands for, or null if it has a foreign character. */
export function tokenStringToBytes(token: string): Uint8Array | null {
  const out = new Uint8Array(token.length);
  for (let i = 0; i < token.length; i++) {
    const b = CHAR_TO_BYTE.get(token[i]);
    if (b === undefined) return null;
    out[i] = b;
  }
  return out;
}

