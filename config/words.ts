/**
 * Lists in prose, for messages and the access report: one way of writing them
 * everywhere, instead of a `join(" or ")` per message.
 */

/** `a`, `a or b`, `a, b or c` (no comma before the last word); `and` alike. */
export function wordList(words: readonly string[], conjunction: "and" | "or"): string {
  return words.length < 2 ? words.join("") : `${words.slice(0, -1).join(", ")} ${conjunction} ${words[words.length - 1]}`;
}
