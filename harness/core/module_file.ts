/**
 * Modules named on the command line by path (`--baselines ./my_method.ts`, `--tasks ./my_task.ts`):
 * telling a path from a registered name, importing the module's default export with one-line errors,
 * and the key of its code that enters the config hash.
 * @module
 */
import { fileURLToPath, pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { sha256 } from "./atomic.ts";

/** Whether `spec` names a file (a path or a file URL) rather than a registered name. */
export function isPath(spec: string): boolean {
  return spec.startsWith("file:") || /[\\/]/.test(spec) || /\.[cm]?[jt]sx?$/.test(spec);
}

/** The file URL of `path` (relative to the working directory, absolute, or a file URL). */
function fileUrl(path: string): URL {
  return path.startsWith("file:") ? new URL(path) : pathToFileURL(resolve(path));
}

/**
 * One line for an error thrown by `import()`: the first line of its message, and where in the file when
 * Deno says (a syntax error, a module not found), without terminal colors.
 */
function importError(e: unknown): string {
  // deno-lint-ignore no-control-regex
  const lines = String((e as Error)?.message ?? e).replace(/\x1b\[[0-9;]*m/g, "").split("\n");
  const at = lines.map((l) => l.match(/^\s*at (file:\S+?):(\d+):(\d+)$/)).find((m) => m !== null);
  return at ? `${lines[0]} (at ${fileURLToPath(at[1])}:${at[2]}:${at[3]})` : lines[0];
}

/**
 * The default export of the module at `path` (undefined when it has none), a `kind` file ("baseline",
 * "task"). Throws an Error for a missing file, one that is not a JavaScript or TypeScript module, or a
 * module that does not compile or throws on import (one line: the message, and where when Deno says).
 */
export async function importDefault(path: string, kind: string): Promise<unknown> {
  const url = fileUrl(path);
  try {
    await Deno.stat(url);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Error(`${kind} file ${path} not found (looked at ${fileURLToPath(url)})`);
    }
    throw e;
  }
  if (!/\.[cm]?[jt]sx?$/.test(url.pathname)) {
    throw new Error(`${kind} file ${path} is not a JavaScript or TypeScript module; give a .ts or .js file`);
  }
  try {
    return (await import(url.href)).default;
  } catch (e) {
    throw new Error(`${kind} file ${path} threw on import: ${importError(e)}`);
  }
}

/** What identifies the code of the file at `path` in a config hash: `sha256:` and the SHA-256 of its bytes. */
export async function fileKey(path: string): Promise<string> {
  return `sha256:${await sha256(await Deno.readFile(fileUrl(path)))}`;
}
