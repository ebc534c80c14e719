/**
 * The child side of `--jobs` (`harness/cli.ts cell`): run exactly the cell the parent hands over, a
 * {@link CellSpec} on stdin, from the parent's base checkpoint and mined grams. A child plans nothing
 * and never looks for a base model of its own, so a source file edited while a bench runs cannot send
 * it to another base model; a baseline or task file edited since the grid was planned is refused. A
 * Slurm grid's jobs (harness/grid/manifest_jobs.ts) run their cells and base model the same way.
 * @module
 */
import { isWasm, useBackend } from "../backend/backend.ts";
import { useWasm } from "../backend/wasm_threads.ts";
import { fileKey } from "../core/module_file.ts";
import { loadStrategicGrams } from "../masks/strategic_grams.ts";
import { type CellContext, type CellSpec, type GridTask, plannedBaseline, runCell, unchanged } from "./runner.ts";
import { fromParent } from "./pool.ts";
import { loadTaskFile } from "./task_file.ts";
import { lockFolder } from "../core/folder_lock.ts";
import { runLockPath } from "../store/run_folder.ts";

/**
 * What running a cell of the grid `job` describes needs, in this process: its task files loaded (each
 * checked against its key in the config) and its backend started on `job.threads` wasm threads.
 */
export async function jobContext(job: Omit<CellSpec, "grid" | "cell" | "base">): Promise<CellContext> {
  const taskFiles: GridTask[] = [];
  for (const source of job.taskFiles) {
    const task = await loadTaskFile(source, job.cfg.model.context);
    unchanged("task", source, await fileKey(source), job.cfg.suite.tasks.find((t) => t.name === task.name)?.key);
    taskFiles.push({ task, source });
  }
  if (isWasm(job.backend)) await useWasm(job.threads, job.backend);
  await useBackend(job.backend);
  return { cfg: job.cfg, backend: job.backend, engine: job.engine, command: job.command, taskFiles };
}

/** Run the cell of `spec` in this process (see the module doc). */
export async function runCellSpec(spec: CellSpec): Promise<void> {
  const { cell } = spec;
  const baseline = await plannedBaseline(cell.source, cell.key);
  const ctx = await jobContext(spec);
  const grams = await loadStrategicGrams(spec.base.grams);
  await runCell(ctx, spec.grid, { ...cell, baseline }, { checkpoint: spec.base.checkpoint, grams });
}

/**
 * In a `--jobs` child: read the cell from the parent (harness/grid/pool.ts `fromParent`) and run it, holding
 * its run folder's lock: a child of a bench killed outright goes on to the end of its step, and a new bench
 * started meanwhile is refused that cell rather than writing it too.
 */
export async function runChild(): Promise<void> {
  const spec = JSON.parse(await fromParent()) as CellSpec, dir = spec.cell.dir;
  await Deno.mkdir(dir.slice(0, dir.lastIndexOf("/")), { recursive: true });
  const lock = await lockFolder(dir, "run the bench again once it is done", { path: runLockPath(dir) });
  try {
    await runCellSpec(spec);
  } finally {
    lock.close();
  }
}
