/**
 * Freezing through and through: the configurations, the registered baselines and the fixed tasks are
 * the defaults the report compares runs against, so a change made to them in place would hide itself; a
 * baseline's context is read-only, since the harness pairs its answer with the rollouts in their order.
 * @module
 */

/**
 * `x` with every object, array and function in it frozen (in place), so that no code can change it: a
 * Map's `set`, `delete` and `clear` throw a TypeError that ends with `fix` (Object.freeze leaves a Map's
 * entries open), and its keys and values are frozen too; typed arrays, which cannot be frozen, are left
 * as they are.
 */
export function deepFrozen<T>(x: T, fix = "change a copy instead (new Map(it))"): T {
  if (
    (typeof x === "object" && x !== null || typeof x === "function") && !ArrayBuffer.isView(x) && !Object.isFrozen(x)
  ) {
    if (x instanceof Map) {
      for (const [op, what] of [["set", "set a key of"], ["delete", "delete a key of"], ["clear", "clear"]]) {
        Object.defineProperty(x, op, {
          value: () => {
            throw new TypeError(`Cannot ${what} a frozen Map; ${fix}`);
          },
        });
      }
      for (const [k, v] of x) {
        deepFrozen(k, fix);
        deepFrozen(v, fix);
      }
    }
    Object.freeze(x);
    for (const v of Object.values(x as object)) deepFrozen(v, fix);
  }
  return x;
}
