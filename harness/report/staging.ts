/**
 * A report being written into a staging folder (`.report.next/`, `<out>.next/`) before it is moved
 * in whole: the folder made afresh with its `figures/`, every file written through {@link Staging} so
 * the names written are known in order, tables in their three renderings at once; and
 * {@link foreignEntry}, which finds what a folder about to be replaced holds that its writer did not write.
 * @module
 */
import { removeAll } from "../core/atomic.ts";
import { type Table, toCsv, toLatex, toMarkdown } from "./table.ts";

/** A staging folder and the files written to it. */
export class Staging {
  /** Names written, relative to the folder, in order. */
  readonly names: string[] = [];

  private constructor(readonly dir: string) {}

  /** A fresh staging folder `dir` (what a killed earlier report left there removed) with `figures/`. */
  static async open(dir: string): Promise<Staging> {
    await removeAll(dir);
    await Deno.mkdir(`${dir}/figures`, { recursive: true });
    return new Staging(dir);
  }

  /** Write `name` (relative to the folder). */
  async write(name: string, data: string): Promise<void> {
    await Deno.writeTextFile(`${this.dir}/${name}`, data);
    this.names.push(name);
  }

  /** Write a table as `<name>.md`, `<name>.tex` and `<name>.csv`. */
  async table(name: string, t: Table): Promise<void> {
    await this.write(`${name}.md`, toMarkdown(t));
    await this.write(`${name}.tex`, toLatex(t));
    await this.write(`${name}.csv`, toCsv(t));
  }
}

/**
 * The first entry under `dir` that `ours` does not accept, as a path relative to `dir` (a folder's
 * ending in `/`, its contents looked at only when it is accepted); null when every one is, or when
 * `dir` does not exist. A folder that is replaced whole must hold nothing of anyone else's.
 */
export async function foreignEntry(dir: string, ours: (path: string) => boolean, prefix = ""): Promise<string | null> {
  const entries = await Array.fromAsync(Deno.readDir(`${dir}/${prefix}`)).catch((e) => {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  });
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = `${prefix}${e.name}${e.isDirectory ? "/" : ""}`;
    if (!ours(path)) return path;
    const inner = e.isDirectory ? await foreignEntry(dir, ours, path) : null;
    if (inner !== null) return inner;
  }
  return null;
}
