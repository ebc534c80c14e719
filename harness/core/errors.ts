/**
 * Reading an error for a one-line message: its first line, and whether it is a write the system refused.
 * @module
 */

/** The first line of an error's message. */
export function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split("\n")[0];
}

/** `x` as a message shows it: a string in quotes, so that a `"0.01"` read from JSON is not taken for a number. */
export function shownValue(x: unknown): string {
  return typeof x === "string" ? JSON.stringify(x) : String(x);
}

/**
 * Whether `e` is a write refused by the system rather than a fault of the program: a read-only file
 * system or folder, a folder of another user, a path Deno was not allowed to write, or a file where a
 * folder should be.
 */
export function isUnwritable(e: unknown): boolean {
  const code = (e as { code?: string } | null)?.code;
  return e instanceof Deno.errors.PermissionDenied || e instanceof Deno.errors.NotCapable ||
    e instanceof Deno.errors.NotADirectory || code === "EROFS" || code === "EACCES" || code === "EPERM";
}
