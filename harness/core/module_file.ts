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
 * The default export of the module at `path` (undefined when it has none), a `kind` file ("baseline",
 * "task"). Throws an Error for a missing file or a module that throws on import (with the thrown message).
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
  try {
    return (await import(url.href)).default;
  } catch (e) {
    throw new Error(`${kind} file ${path} threw on import: ${(e as Error)?.message ?? String(e)}`);
  }
}

/** What identifies the code of the file at `path` in a config hash: `sha256:` and the SHA-256 of its bytes. */
export async function fileKey(path: string): Promise<string> {
  return `sha256:${await sha256(await Deno.readFile(fileUrl(path)))}`;
}
