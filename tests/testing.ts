/**
 * Test helpers, behind one module so that moving to `@std/assert` where JSR is reachable is a
 * one-file change.
 * @module
 */
import { rejects, throws } from "node:assert/strict";

export {
  deepEqual as assertEquals,
  equal as assertStrictEquals,
  match as assertMatch,
  notDeepEqual as assertNotEquals,
  ok as assert,
} from "node:assert/strict";

type Thrown = Parameters<typeof throws>[1];
type ErrorClass = new (...args: never[]) => Error;

/**
 * `@std/assert`'s form `(ErrorClass, msgIncludes)` as a check of node:assert's (whose third argument is
 * only the message printed on failure, so that a message passed there was never checked); any other
 * form is node:assert's, its third argument that failure message.
 */
function expected(error?: Thrown | ErrorClass, msgIncludes?: string): Thrown | undefined {
  const isClass = typeof error === "function" && (error === Error || error.prototype instanceof Error);
  if (msgIncludes === undefined || !isClass) return error as Thrown | undefined;
  const kind = error as ErrorClass;
  return (e: unknown) => {
    if (!(e instanceof kind) || !e.message.includes(msgIncludes)) {
      throw new Error(`expected a ${kind.name} whose message includes ${JSON.stringify(msgIncludes)}, got ${e}`);
    }
    return true;
  };
}

/** Assert that `fn` throws: node:assert's `throws`, or `@std/assert`'s `(fn, ErrorClass, msgIncludes)`. */
export function assertThrows(fn: () => unknown, error?: Thrown | ErrorClass, msgIncludes?: string): void {
  const check = expected(error, msgIncludes);
  if (check === undefined) throws(fn);
  else throws(fn, check, check === error ? msgIncludes : undefined);
}

/** Assert that `fn` (or a promise) rejects: node:assert's `rejects`, or `@std/assert`'s `(fn, ErrorClass, msgIncludes)`. */
export async function assertRejects(
  fn: Promise<unknown> | (() => Promise<unknown>),
  error?: Thrown | ErrorClass,
  msgIncludes?: string,
): Promise<void> {
  const check = expected(error, msgIncludes);
  if (check === undefined) await rejects(fn);
  else await rejects(fn, check, check === error ? msgIncludes : undefined);
}

/** Assert that every value of `actual` is within `tol` of `expected` (same length), naming the first miss. */
export function assertClose(actual: ArrayLike<number>, expected: readonly number[], tol = 1e-6): void {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length}, expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
      throw new Error(`at ${i}: ${actual[i]}, expected ${expected[i]} (±${tol}); got [${Array.from(actual)}]`);
    }
  }
}
