/**
 * The one ordering of everything the program writes or reports: by code point, as
 * `<` compares strings (strictly, by UTF-16 code unit: the same order but for
 * characters beyond U+FFFF against U+E000 to U+FFFF, which names here cannot hold). Never `localeCompare` or `Intl.Collator`: their
 * order follows the machine's locale (Lithuanian sorts `y` before `j`, Danish
 * `aa` after `z`), and output must be byte-identical on every machine.
 */
export const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
