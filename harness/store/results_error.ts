/**
 * The error of a stored result that cannot be used: a run folder's damaged, edited or missing file,
 * named with what to do about it.
 * @module
 */

/**
 * A stored result that cannot be used; the message names the path and what to do.
 *
 * @example
 * ```ts
 * import { loadResults, ResultsError } from "@credit-bench/credit-bench";
 *
 * try {
 *   await loadResults("results", "default");
 * } catch (e) {
 *   if (e instanceof ResultsError) console.error(`cannot use ${e.path}: ${e.message}`);
 * }
 * ```
 */
export class ResultsError extends Error {
  /** A problem with `path`. */
  constructor(
    /** The file or folder at fault. */
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = "ResultsError";
  }
}
