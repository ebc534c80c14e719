/**
 * The three batch scripts of a grid on Slurm (docs/slurm.md): the base job (base model and grams), the
 * cells' job array (task `i` runs cell `i` of the grid manifest, requeueable, at most `--jobs` at a time)
 * and the end job (the base model's evaluation and the report). Each sets the user's `#SBATCH` options,
 * runs the setup line, goes to the project folder and runs `harness/cli.ts` with the Deno that launched it.
 * @module
 */
import { shellQuote } from "../core/shell_quote.ts";

/** What the user sets for the jobs on a real cluster (`bench --launcher slurm` options). */
export interface SlurmOptions {
  /** `--partition`. */
  partition?: string;
  /** `--account`. */
  account?: string;
  /** Time limit of each job, in a form sbatch takes (`--time`, e.g. `2:00:00`). */
  time?: string;
  /** Memory of each job, in a form sbatch takes (`--mem`, e.g. `4G`). */
  mem?: string;
  /** CPUs of each job (`--cpus-per-task`). */
  cpusPerTask: number;
  /** The most cell tasks at a time (the array's `%N`); none: as many as the cluster gives. */
  arrayLimit?: number;
  /** More `#SBATCH` lines for every job, e.g. `--qos=normal` (with or without `#SBATCH `). */
  sbatch: readonly string[];
  /** A shell line run before the bench in every job, e.g. `module load deno`. */
  setup?: string;
}

/** Where a grid's scripts run: the paths and command they need. */
export interface ScriptPlace {
  /** The suite (for the jobs' names). */
  suite: string;
  /** The folder of the grid's cluster files, where the logs go (`logs/`). */
  dir: string;
  /** The grid manifest. */
  manifest: string;
  /** The project folder (that of deno.json), where the jobs run. */
  project: string;
  /** The command that runs `harness/cli.ts`: the Deno executable and its arguments. */
  cli: readonly string[];
  /** The cells of the job array. */
  cells: number;
}

/** The grid's scripts: the base job's, the cells' job array's (null without cells) and the end job's. */
export interface SlurmScripts {
  base: string;
  cells: string | null;
  end: string;
}

/**
 * The `#SBATCH --output` line of a log `name` (with sbatch's patterns, e.g. `base-%j.log`) in the folder `dir`:
 * in double quotes (sbatch's script parser ends a value at a blank outside them and reads a `#` outside them as
 * a comment), each `%` of `dir` doubled (a single one starts a pattern). A `"` or `\` (the parser's quote and
 * escape) or a line break in `dir` cannot be written, and is refused.
 * @example outputLine("/tmp/out #1/50%", "end-%j.log") // '#SBATCH --output="/tmp/out #1/50%%/end-%j.log"'
 */
export function outputLine(dir: string, name: string): string {
  if (/["\\\n\r]/.test(dir)) {
    throw new Error(
      `${JSON.stringify(dir)} cannot be written in an #SBATCH line (a ", \\ or line break in it); ` +
        `pick an --out without one`,
    );
  }
  return `#SBATCH --output="${dir.replaceAll("%", "%%")}/${name}"`;
}

/** A job script of `kind` that runs `command` (arguments of `harness/cli.ts`) with `lines` of its own. */
function script(place: ScriptPlace, o: SlurmOptions, kind: string, lines: string[], command: string): string {
  const user = [
    o.partition && `--partition=${o.partition}`,
    o.account && `--account=${o.account}`,
    o.time && `--time=${o.time}`,
    o.mem && `--mem=${o.mem}`,
    ...o.sbatch.map((l) => l.replace(/^#SBATCH\s+/, "")),
  ].filter((l): l is string => !!l);
  return [
    "#!/bin/bash",
    `#SBATCH --job-name=credit-bench-${place.suite}-${kind}`,
    `#SBATCH --cpus-per-task=${o.cpusPerTask}`,
    ...lines,
    ...user.map((l) => `#SBATCH ${l}`),
    "set -eo pipefail",
    ...(o.setup ? [o.setup] : []),
    `cd ${shellQuote(place.project)}`,
    `exec ${place.cli.map(shellQuote).join(" ")} ${command}`,
    "",
  ].join("\n");
}

/** The scripts of the grid at `place` with the user's options `o` (see the module doc). */
export function slurmScripts(place: ScriptPlace, o: SlurmOptions): SlurmScripts {
  const logs = `${place.dir}/logs`, grid = `--grid ${shellQuote(place.manifest)}`;
  const limit = o.arrayLimit ? `%${o.arrayLimit}` : "";
  return {
    base: script(place, o, "base", [outputLine(logs, "base-%j.log")], `grid-base ${grid}`),
    cells: place.cells
      ? script(
        place,
        o,
        "cells",
        [
          `#SBATCH --array=0-${place.cells - 1}${limit}`,
          outputLine(logs, "cell-%A_%a.log"),
          "#SBATCH --open-mode=append",
          "#SBATCH --requeue",
        ],
        `cell ${grid} --index "$SLURM_ARRAY_TASK_ID"`,
      )
      : null,
    end: script(place, o, "end", [outputLine(logs, "end-%j.log")], `grid-end ${grid}`),
  };
}
