/**
 * A report being written into a staging folder (`.report.next/`, `<out>.next/`) before it is moved
 * in whole: the folder made afresh with its `figures/`, every file written through {@link Staging} so
 * the names written are known in order, tables in their three renderings at once.
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
