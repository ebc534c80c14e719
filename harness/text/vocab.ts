/**
 * The fixed vocabulary shared by the whole suite. Token ids are positions in {@link VOCAB}; the
 * version names this exact list, and checkpoints record it. Changing the list in any way (adding,
 * removing, reordering) must bump {@link VOCAB_VERSION}; a test pins the list's hash to the version.
 * @module
 */
import { PLANNING_PHRASES, REFLECTION_PHRASES } from "../../tasks/kit/phrases.ts";

/** Special tokens: padding, begin, prompt/response separator, end of response. */
export const SPECIAL = ["<pad>", "<bos>", "<sep>", "<eos>"] as const;

/**
 * Whole numbers 0..99 are single tokens: every number a task writes is in 0..MAX_NUMBER.
 *
 * @example
 * ```ts
 * import { MAX_NUMBER } from "@credit-bench/credit-bench/tasks";
 *
 * const fits = (n: number) => Number.isInteger(n) && n >= 0 && n <= MAX_NUMBER;
 * ```
 */
export const MAX_NUMBER = 99;

const NUMBERS = Array.from({ length: MAX_NUMBER + 1 }, (_, i) => String(i));

const SYMBOLS = ["+", "-", "*", "/", "=", ".", ",", ":", ";", "(", ")", "?", "<", ">"];

const COMMON = [
  "answer",
  "so",
  "then",
  "is",
  "are",
  "and",
  "or",
  "not",
  "yes",
  "no",
  "true",
  "false",
  "done",
  "step",
  "gives",
  "target",
  "numbers",
  "use",
  "from",
  "for",
  "of",
  "on",
];

/** Words each task needs beyond the shared ones; a task owns its line. */
const TASK_WORDS: Record<string, string[]> = {
  countdown: ["countdown"],
  knights_knaves: [
    "knights_knaves",
    "A",
    "B",
    "C",
    "D",
    "says",
    "knight",
    "knave",
    "same",
    "different",
    "contradiction",
    "consistent",
  ],
  linear_equation: ["linear_equation", "x"],
  arithmetic_chain: ["arithmetic_chain"],
  shortest_path: ["shortest_path", "A", "B", "C", "D", "E", "to"],
};

function phraseWords(): string[] {
  const all = [...Object.values(PLANNING_PHRASES).flat(), ...REFLECTION_PHRASES];
  return all.flatMap((p) => p.split(" "));
}

function unique(words: string[]): string[] {
  return [...new Set(words)];
}

/**
 * The vocabulary: specials first, then numbers, symbols, shared words, phrase words, task words. A
 * token id is a position in it.
 *
 * @example
 * ```ts
 * import { VOCAB } from "@credit-bench/credit-bench/tasks";
 *
 * VOCAB.includes("countdown"); // true
 * ```
 */
export const VOCAB: readonly string[] = unique([
  ...SPECIAL,
  ...NUMBERS,
  ...SYMBOLS,
  ...COMMON,
  ...phraseWords(),
  ...Object.values(TASK_WORDS).flat(),
]);

/** The version of {@link VOCAB}; bump it whenever the list changes. */
export const VOCAB_VERSION = "v1";
