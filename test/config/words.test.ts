/** Lists in prose: one word as it is, two with the conjunction, more with commas before it. */
import { wordList } from "../../config/words";

test.each([
  [[], "or", ""],
  [["a"], "or", "a"],
  [["a", "b"], "or", "a or b"],
  [["a", "b", "c", "d"], "or", "a, b, c or d"],
  [["roles", "buckets", "queues"], "and", "roles, buckets and queues"],
] as const)("wordList(%j, %s) is %j", (words, conjunction, expected) => {
  expect(wordList(words, conjunction)).toBe(expected);
});
