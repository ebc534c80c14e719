/**
 * The planning phrases every task's teacher draws from. They are multi-word, shared across tasks,
 * and cover the paper's three kinds of strategic grams (deduction, branching, backtracking), plus
 * the reflection phrases that open a reflect-and-correct ("wait , let us check").
 * @module
 */
import type { Rng } from "../../harness/core/rng.ts";

/**
 * Planning phrases by kind; each phrase is space-separated vocabulary words.
 *
 * @example
 * ```ts
 * import { PLANNING_PHRASES } from "@credit-bench/credit-bench/tasks";
 *
 * PLANNING_PHRASES.backtracking[0]; // "but wait"
 * ```
 */
export const PLANNING_PHRASES = {
  deduction: [
    "the key insight is",
    "recall that",
    "notice that",
    "this means that",
    "it follows that",
    "we know that",
  ],
  branching: [
    "let us try",
    "another approach is to",
    "what if we try",
    "consider the case where",
    "first we try",
    "alternatively we can",
  ],
  backtracking: [
    "but wait",
    "let us double check",
    "go back to the start",
    "that assumption was incorrect",
    "this does not work",
    "that was a mistake",
  ],
} as const;

/**
 * The kinds of planning phrase: `deduction`, `branching`, `backtracking`.
 *
 * @example
 * ```ts
 * import type { PhraseKind } from "@credit-bench/credit-bench/tasks";
 *
 * const kind: PhraseKind = "branching";
 * ```
 */
export type PhraseKind = keyof typeof PLANNING_PHRASES;

/**
 * Reflection phrases: a reflect-and-correct starts with one, then rewrites a wrong step.
 *
 * @example
 * ```ts
 * import { REFLECTION_PHRASES } from "@credit-bench/credit-bench/tasks";
 *
 * REFLECTION_PHRASES.includes("wait , check again"); // true
 * ```
 */
export const REFLECTION_PHRASES = [
  "wait , let us check",
  "wait , check again",
  "hold on , check that",
] as const;

/**
 * Words in the longest of some phrases (for length budgets).
 *
 * @example
 * ```ts
 * import { longest, PLANNING_PHRASES } from "@credit-bench/credit-bench/tasks";
 *
 * longest(PLANNING_PHRASES.deduction); // 4
 * ```
 */
export function longest(phrases: readonly string[]): number {
  return Math.max(...phrases.map((p) => p.split(" ").length));
}

/**
 * A uniformly drawn planning phrase of one kind, as a list of words.
 *
 * @example
 * ```ts
 * import { phrase, rng } from "@credit-bench/credit-bench/tasks";
 *
 * phrase(rng(1), "deduction"); // e.g. ["notice", "that"]
 * ```
 */
export function phrase(rng: Rng, kind: PhraseKind): string[] {
  return rng.pick(PLANNING_PHRASES[kind]).split(" ");
}

/**
 * A uniformly drawn reflection phrase, as a list of words.
 *
 * @example
 * ```ts
 * import { reflection, rng } from "@credit-bench/credit-bench/tasks";
 *
 * reflection(rng(1)); // e.g. ["wait", ",", "check", "again"]
 * ```
 */
export function reflection(rng: Rng): string[] {
  return rng.pick(REFLECTION_PHRASES).split(" ");
}
