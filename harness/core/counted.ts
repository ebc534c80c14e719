/**
 * A count with its noun, for messages and reports.
 * @module
 */

/** `n` and `noun`, plural unless `n` is 1: `1 completion`, `2 steps`. */
export function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
