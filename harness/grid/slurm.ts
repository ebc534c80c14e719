/**
 * `bench --launcher slurm`: the grid as Slurm jobs (docs/slurm.md). In this process, on the login node:
 * the results folder checked and locked as a bench does, the grid planned into its manifest
 * (harness/grid/grid_manifest.ts), the three scripts written (harness/grid/slurm_scripts.ts) and submitted
 * with `sbatch`: the base job, the cells' job array after it (`afterok`), the end job once every task of
 * the array has ended (`afterany`: a task killed and requeued fails an `afterok` for good);
 * their ids are kept in `<out>/<suite>/slurm/jobs.json`, and a second launch on the same folder is
 * refused while any of them is still queued or running. Nothing runs here but the planning.
 * @module
 */
import { fileURLToPath } from "node:url";
import { lockFolder } from "../core/folder_lock.ts";
import { writeAtomic } from "../core/atomic.ts";
import { shellQuote } from "../core/shell_quote.ts";
import { runsDir } from "../store/run_folder.ts";
import { launchDir, planManifest, writeManifestFile } from "./grid_manifest.ts";
import { cliArgs } from "./pool.ts";
import { checkWritable, type GridSpec } from "./runner.ts";
import { type SlurmOptions, slurmScripts } from "./slurm_scripts.ts";

/** The ids of a launch's jobs, as `jobs.json` keeps them. */
export interface SlurmJobs {
  base: string;
  /** The cells' job array (none when every cell was finished). */
  cells: string | null;
  end: string;
}

/** A Slurm command's result: its status, stdout and stderr as text; a one-line error when it is not installed. */
async function slurm(command: string, args: readonly string[]): Promise<{ ok: boolean; out: string; err: string }> {
  try {
    const o = await new Deno.Command(command, { args: [...args], stdout: "piped", stderr: "piped" }).output();
    const text = (b: Uint8Array) => new TextDecoder().decode(b).trim();
    return { ok: o.success, out: text(o.stdout), err: text(o.stderr) };
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Error(
        `${command} not found: --launcher slurm runs where Slurm's commands are (a login node), or on this ` +
          `machine's one-node cluster (deploy/slurm/start.sh)`,
      );
    }
    throw e;
  }
}

/** The arguments of `sbatch` that submit `script` after `after` (a dependency, whose failure cancels the job). */
function sbatchArgs(script: string, after?: string): string[] {
  return ["--parsable", ...(after ? [`--dependency=${after}`, "--kill-on-invalid-dep=yes"] : []), script];
}

/** Submit `script` with `sbatch` after `after` (a dependency), returning its job id; sbatch's own message on failure. */
async function submit(script: string, what: string, after?: string): Promise<string> {
  const r = await slurm("sbatch", sbatchArgs(script, after));
  if (!r.ok) throw new Error(`sbatch refused the ${what}: ${(r.err || r.out).split("\n").join(" | ")}`);
  return r.out.split(";")[0];
}

/** Refuse a launch while a job of the last launch on the same folder (`jobs.json` in `dir`) is queued or running. */
async function checkNoLaunch(dir: string): Promise<void> {
  let last: SlurmJobs;
  try {
    last = JSON.parse(await Deno.readTextFile(`${dir}/jobs.json`));
  } catch {
    return;
  }
  const q = await slurm("squeue", ["-h", "-o", "%F"]);
  if (!q.ok) throw new Error(`squeue failed: ${q.err.split("\n").join(" | ")}`);
  const queued = new Set(q.out.split("\n").map((l) => l.trim()));
  const live = [last.base, last.cells, last.end].filter((id): id is string => !!id && queued.has(id));
  if (live.length) {
    throw new Error(
      `job(s) ${live.join(", ")} of an earlier launch on ${dir} are still queued or running; wait for them ` +
        `(squeue -j ${live.join(",")}) or cancel them (scancel ${live.join(" ")}), then launch again with --resume`,
    );
  }
}

/**
 * Launch `spec`'s grid on Slurm with `o` (see the module doc), its cells on `threads` wasm threads; with
 * `dryRun`, print the scripts and the sbatch commands instead and write nothing.
 */
export async function launchSlurm(spec: GridSpec, o: SlurmOptions, threads: number, dryRun: boolean): Promise<void> {
  if (!dryRun && !(await slurm("sbatch", ["--version"])).ok) throw new Error("sbatch --version failed");
  const runs = runsDir(spec.out, spec.cfg.name), dir = launchDir(spec.out, spec.cfg.name);
  if (!dryRun) {
    await checkWritable(runs);
    // Before the lock: a refused second launch must not hold it while the first one's jobs start.
    await checkNoLaunch(dir);
  }
  const lock = dryRun ? null : await lockFolder(runs);
  try {
    const m = await planManifest(spec, threads);
    const manifest = `${dir}/grid.json`;
    const place = {
      suite: spec.cfg.name,
      dir,
      manifest,
      project: fileURLToPath(new URL("../../", import.meta.url)).replace(/\/$/, ""),
      cli: [Deno.execPath(), ...await cliArgs(spec.backend)],
      cells: m.cells.length,
    };
    const scripts = slurmScripts(place, o);
    const files = { base: `${dir}/base.sh`, cells: `${dir}/cells.sh`, end: `${dir}/end.sh` };
    if (dryRun) {
      console.log(`# ${files.base}\n${scripts.base}\n# ${files.cells}\n${scripts.cells ?? "(no cells left to run)\n"}`);
      const sbatch = (script: string, after?: string) => `sbatch ${sbatchArgs(shellQuote(script), after).join(" ")}`;
      console.log(`# ${files.end}\n${scripts.end}\n# submitted as:\nBASE=$(${sbatch(files.base)})`);
      if (scripts.cells) console.log(`CELLS=$(${sbatch(files.cells, "afterok:$BASE")})`);
      console.log(sbatch(files.end, scripts.cells ? "afterany:$CELLS" : "afterok:$BASE"));
      return;
    }
    await Deno.mkdir(`${dir}/logs`, { recursive: true });
    await writeManifestFile(manifest, m);
    for (const kind of ["base", "cells", "end"] as const) {
      if (scripts[kind]) await writeAtomic(files[kind], scripts[kind]);
    }
    const submitted: string[] = [];
    try {
      const base = await submit(files.base, "base job");
      submitted.push(base);
      const cells = scripts.cells ? await submit(files.cells, "cells' job array", `afterok:${base}`) : null;
      if (cells) submitted.push(cells);
      // After every cell task has ended, however: the end job says which cells did not finish.
      const end = await submit(files.end, "end job", cells ? `afterany:${cells}` : `afterok:${base}`);
      submitted.push(end);
      await writeAtomic(`${dir}/jobs.json`, JSON.stringify({ base, cells, end }, null, 2) + "\n");
      report(spec, m.cells.length, dir, { base, cells, end }, o.arrayLimit);
    } catch (e) {
      if (submitted.length) await slurm("scancel", submitted);
      throw new Error(`${(e as Error).message}${submitted.length ? ` (cancelled ${submitted.join(", ")})` : ""}`);
    }
  } finally {
    lock?.close();
  }
}

/** Print what was submitted and how to follow it. */
function report(spec: GridSpec, cells: number, dir: string, jobs: SlurmJobs, limit?: number): void {
  const all = [jobs.base, jobs.cells, jobs.end].filter(Boolean).join(",");
  console.log(
    [
      `submitted the grid of suite ${spec.cfg.name} to Slurm (grid manifest ${dir}/grid.json):`,
      `  base model and grams: job ${jobs.base}`,
      jobs.cells
        ? `  ${cells} cell(s): job array ${jobs.cells} (tasks 0-${cells - 1}${
          limit ? `, at most ${limit} at a time` : ""
        })`
        : "  cells: none left to run",
      `  base model's evaluation and the report: job ${jobs.end}`,
      `follow with: squeue -j ${all}    logs: ${dir}/logs/`,
      `results and report: ${spec.out}/${spec.cfg.name}/ once job ${jobs.end} has ended`,
    ].join("\n"),
  );
}
