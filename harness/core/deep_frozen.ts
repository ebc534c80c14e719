/**
 * Freezing through and through: the configurations and the registered baselines are the defaults the
 * report compares runs against, so a change made to them in place would hide itself; a baseline's
 * context is read-only, since the harness pairs its answer with the rollouts in their order.
 * @module
 */

/**
 * `x` with every object, array and function in it frozen (in place), so that no code can change it;
 * typed arrays, which cannot be frozen, are left as they are.
 */
export function deepFrozen<T>(x: T): T {
  if (
    (typeof x === "object" && x !== null || typeof x === "function") && !ArrayBuffer.isView(x) && !Object.isFrozen(x)
  ) {
    Object.freeze(x);
    for (const v of Object.values(x as object)) deepFrozen(v);
  }
  return x;
}
