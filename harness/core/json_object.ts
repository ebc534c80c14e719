/**
 * Telling a JSON object from the other values a parsed file may hold, for the readers of files a user
 * may have edited (manifests, dumps, gram lists, task definitions, configs), and plain JSON from the
 * values it cannot hold (in a task file's problem data).
 * @module
 */

/** Whether a value is a JSON object (not null, not an array). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The first place in `v` that is not plain JSON (null, booleans, finite numbers, strings, and lists
 * and plain objects of those; a key whose value is undefined counts as left out), as `at` and the path
 * to it with what is there (`data.seen is a Set`), or null when all of `v` is plain JSON.
 *
 * @example
 * ```ts
 * import { notPlainJson } from "./json_object.ts";
 *
 * notPlainJson({ a: [1, 2], b: "x" }, "data"); // null
 * notPlainJson({ seen: new Set() }, "data"); // "data.seen is a Set"
 * notPlainJson({ hint: undefined }, "data"); // null
 * ```
 */
export function notPlainJson(v: unknown, at: string): string | null {
  const within: object[] = []; // the lists and objects around the value looked at: one of them again is a cycle
  const fault = (v: unknown, at: string): string | null => {
    if (v === null || typeof v === "string" || typeof v === "boolean") return null;
    if (typeof v === "number") return Number.isFinite(v) ? null : `${at} is ${v}`;
    if (typeof v !== "object") return `${at} is ${v === undefined ? "undefined" : `a ${typeof v}`}`;
    if (within.includes(v)) return `${at} is a cycle`;
    const proto = Object.getPrototypeOf(v);
    if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) {
      return `${at} is a ${proto.constructor?.name || "class instance"}`;
    }
    within.push(v);
    if (Array.isArray(v)) {
      const hole = v.findIndex((_, i) => !(i in v)); // findIndex visits holes too
      if (hole >= 0) return `${at}[${hole}] is a hole (a list written with an empty place)`;
    }
    // A key whose value is undefined is left out, as JSON.stringify leaves it out (an optional field not set).
    const entries: [string, unknown][] = Array.isArray(v)
      ? Array.from(v, (x, i) => [`[${i}]`, x])
      : Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [`.${k}`, x]);
    for (const [key, x] of entries) {
      const found = fault(x, `${at}${key}`);
      if (found) return found;
    }
    within.pop();
    return null;
  };
  return fault(v, at);
}
