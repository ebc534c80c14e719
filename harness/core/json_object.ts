/**
 * Telling a JSON object from the other values a parsed file may hold, for the readers of files a user
 * may have edited (manifests, dumps, gram lists, task definitions, configs).
 * @module
 */

/** Whether a value is a JSON object (not null, not an array). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
