/**
 * Modules named on the command line by path (`--baselines ./my_method.ts`, `--tasks ./my_task.ts`):
 * telling a path from a registered name, importing the module's default export with one-line errors,
 * and the key of its code that enters the config hash: the file's bytes and those of the modules it
 * imports from files of its own ({@link localModules}), so that editing a helper it imports is a change
 * of code too.
 * @module
 */
import { fileURLToPath, pathToFileURL } from "node:url";
import { isAbsolute, relative, resolve } from "node:path";
import { sha256 } from "./atomic.ts";

/**
 * The harness's own modules and registries: a module file's imports of these are the harness, not the
 * file's code (a built-in baseline or task file it imports is followed, and a file of one's own beside them).
 */
const HARNESS = ["harness/", "tasks/kit/", "mod.ts", "tasks/mod.ts", "baselines/mod.ts"]
  .map((p) => new URL(`../../${p}`, import.meta.url).href);

/** Whether `spec` names a file (a path or a file URL) rather than a registered name. */
export function isPath(spec: string): boolean {
  return spec.startsWith("file:") || /[\\/]/.test(spec) || /\.[cm]?[jt]sx?$/.test(spec);
}

/** The file URL of `path` (relative to the working directory, absolute, or a file URL). */
function fileUrl(path: string): URL {
  return path.startsWith("file:") ? new URL(path) : pathToFileURL(resolve(path));
}

/**
 * For a relative `path` not found: where it is from the folder the command was typed in, when that is
 * another (`deno task` runs in the project folder and says where it was run in `INIT_CWD`), else "".
 */
async function typedElsewhere(path: string): Promise<string> {
  if (path.startsWith("file:") || isAbsolute(path)) return "";
  let typedIn: string | undefined;
  try {
    typedIn = Deno.env.get("INIT_CWD");
  } catch {
    return ""; // not allowed to read it
  }
  const there = typedIn === undefined ? null : resolve(typedIn, path);
  if (there === null || there === resolve(path) || !(await Deno.stat(there).then(() => true, () => false))) return "";
  return `; deno task runs in the project folder, not in ${typedIn}: give it as ${there}`;
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
 * "task"); with `instance`, of an instance of the module of its own for each value (its top-level state
 * fresh; the modules it imports are shared). Throws an Error for a missing file, one that is not a
 * JavaScript or TypeScript module, or a module that does not compile or throws on import (one line: the
 * message, and where when Deno says).
 */
export async function importDefault(path: string, kind: string, instance?: string): Promise<unknown> {
  const url = fileUrl(path);
  let stat;
  try {
    stat = await Deno.stat(url);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Error(`${kind} file ${path} not found (looked at ${fileURLToPath(url)})${await typedElsewhere(path)}`);
    }
    throw e;
  }
  if (stat.isDirectory) throw new Error(`${kind} file ${path} is a folder; give the .ts or .js file in it`);
  if (!/\.[cm]?[jt]sx?$/.test(url.pathname)) {
    throw new Error(`${kind} file ${path} is not a JavaScript or TypeScript module; give a .ts or .js file`);
  }
  try {
    return (await import(instance === undefined ? url.href : `${url.href}?instance=${encodeURIComponent(instance)}`))
      .default;
  } catch (e) {
    throw new Error(`${kind} file ${path} threw on import: ${importError(e)}`);
  }
}

/** Whether an import clause brings in values (not only types). */
function importsValues(clause: string): boolean {
  if (/^\s*type\s/.test(clause)) return false;
  const braces = clause.match(/\{([^}]*)\}/);
  if (!braces || clause.replace(braces[0], "").replace(/,/g, "").trim()) return true;
  return braces[1].split(",").map((s) => s.trim()).filter((s) => s).some((s) => !s.startsWith("type "));
}

/** A file specifier (`./`, `../`, `/` or `file:`), quoted either way. */
const FILE = String.raw`["']((?:\.{1,2}\/|\/|file:)[^"'\n]+)["']`;
/** A static import or re-export of a file: its clause and specifier. */
const FILE_IMPORT = new RegExp(String.raw`\b(?:import|export)\s+([^;"'\`]*?)\s*\bfrom\s*${FILE}`, "g");
/** An import of a file for its effects alone (`import "./setup.ts"`), or a dynamic one of a literal path. */
const BARE_IMPORT = new RegExp(String.raw`\bimport\s*(?:\(\s*)?${FILE}`, "g");
/** A comment: `//` at the start of a line or after white space (not in `file://`), or a block. */
const COMMENT = /(^|\s)\/\/[^\n]*|\/\*[\s\S]*?\*\//g;

/**
 * `entry` and every module it imports values from by a file path, transitively (type-only imports carry
 * no code; packages are not followed), sorted by URL; `follow` says which imported modules to take in.
 * Read by patterns, not a parser, with comments left out: every static import and re-export, and
 * dynamic imports of a literal path; an import written in a string is followed too, which only adds a
 * file to a key. A module that cannot be read is left out (importing it fails, saying so).
 */
export async function localModules(entry: URL, follow: (url: URL) => boolean = () => true): Promise<URL[]> {
  const seen = new Map<string, URL>();
  const visit = async (url: URL) => {
    if (seen.has(url.href)) return;
    const text = await Deno.readTextFile(url).catch((e) => {
      if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.IsADirectory) return null;
      throw e;
    });
    if (text === null) return;
    seen.set(url.href, url);
    const code = text.replace(COMMENT, "$1");
    const specifiers = [
      ...[...code.matchAll(FILE_IMPORT)].filter((m) => importsValues(m[1])).map((m) => m[2]),
      ...[...code.matchAll(BARE_IMPORT)].map((m) => m[1]),
    ];
    for (const s of specifiers) {
      const next = new URL(s, url);
      if (follow(next)) await visit(next);
    }
  };
  await visit(entry);
  return [...seen.values()].sort((a, b) => a.href.localeCompare(b.href));
}

/**
 * What identifies the code of the file at `path` in a config hash: `sha256:` and the SHA-256 of its
 * bytes; for a file that imports modules of its own (not the harness's: `mod.ts`, `harness/`,
 * `tasks/kit/`, the registries `tasks/mod.ts` and `baselines/mod.ts`), the SHA-256 of its bytes' hash and each such module's path (relative to the
 * file's folder, so the same files elsewhere have the same key) and hash.
 */
export async function fileKey(path: string): Promise<string> {
  const url = fileUrl(path);
  const own = await sha256(await Deno.readFile(url));
  const imported = (await localModules(url, (u) => !HARNESS.some((h) => u.href.startsWith(h))))
    .filter((u) => u.href !== url.href);
  if (!imported.length) return `sha256:${own}`;
  const dir = fileURLToPath(new URL(".", url));
  const parts = await Promise.all(
    imported.map(async (u) => `${relative(dir, fileURLToPath(u))} ${await sha256(await Deno.readFile(u))}`),
  );
  return `sha256:${await sha256([own, ...parts].join("\n"))}`;
}
