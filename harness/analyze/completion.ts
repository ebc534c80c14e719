/**
 * What every reader of harness/analyze/ turns a dump's line or row into: one {@link Completion}, and the
 * one error every bad input becomes, {@link AnalyzeError} (the file and what to fix, on one line).
 * @module
 */

/**
 * One sampled completion of an external run, whatever format it came in.
 *
 * @example
 * ```ts
 * import type { Completion } from "@credit-bench/credit-bench";
 *
 * const c: Completion = { step: 3, prompt: "2 + 2 = ?", text: "4. \\boxed{4}", reward: 1, correct: true };
 * ```
 */
export interface Completion {
  /** The training step it was sampled at. */
  step: number;
  /** Its prompt group: the prompt text, or the dump's group id. Completions of one prompt within a step form a group. */
  prompt: string;
  /** The completion's text. */
  text: string;
  /** Its reward (the sum of a TRL dump's reward columns unless one is picked). */
  reward: number;
  /** Whether it counts as correct (the dump's field, else reward ≥ the threshold). */
  correct: boolean;
  /** The dump's extracted answer, if it gives one (else the analysis extracts it from `text`). */
  answer?: string | null;
  /** Whether it was cut at the length limit, when the dump says so. */
  truncated?: boolean;
  /** Per-token text, when the dump has it (their concatenation should be `text`). */
  tokens?: readonly string[];
  /** Per-token log-probability of the sampled token, when the dump has it. */
  logprobs?: ArrayLike<number>;
  /** Per-token entropy of the next-token distribution (nats), when the dump has it. */
  entropies?: ArrayLike<number>;
}

/**
 * A bad input of `deno task analyze`: its message names the file (and line or row) and what to fix.
 *
 * @example
 * ```ts
 * import { AnalyzeError } from "@credit-bench/credit-bench";
 *
 * const e = new AnalyzeError("dump/1.jsonl", "line 3 is not JSON", "write one JSON object per line");
 * e.message; // "dump/1.jsonl: line 3 is not JSON; write one JSON object per line"
 * ```
 */
export class AnalyzeError extends Error {
  /** An error about `file`: what is wrong, then how to fix it (each kept, as `file`, `what` and `fix`). */
  constructor(readonly file: string, readonly what: string, readonly fix: string) {
    super(`${file}: ${what}; ${fix}`);
    this.name = "AnalyzeError";
  }
}

/** An {@link AnalyzeError} about a file's bytes (its text encoding, a corrupt gzip stream), which no `--format` changes. */
export class BytesError extends AnalyzeError {
  /** An error about the bytes of `file`: what is wrong, then how to fix it. */
  constructor(file: string, what: string, fix: string) {
    super(file, what, fix);
    this.name = "BytesError";
  }
}
