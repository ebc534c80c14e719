/**
 * The jobs of a grid planned into a manifest (harness/grid/grid_manifest.ts), as a cluster runs them:
 * {@link runBaseJob} builds (or loads) the base model and mines the grams, {@link runCellJob} runs one
 * cell by its index, as a `--jobs` child would (harness/grid/child.ts), and {@link runEndJob} evaluates
 * the base model once every cell is finished (the command line writes the report after it). Each job is
 * idempotent: a base model or grams already made are loaded, a finished cell is skipped, an unfinished
 * one continues from its last checkpoint (`--resume` semantics), so a requeued or restarted job ends with
 * the bytes of one that never stopped. The base and end jobs hold `runs/.lock` exclusively, as a bench
 * does; a cell job holds it shared, beside the other cells and against a bench on the same folder, and
 * its cell's own lock (`runs/.<id>.lock`) exclusively, so two tasks never write one cell. A job waits up
 * to a minute for a lock (its launcher may still hold `runs/.lock`, a killed task its cell's), then gives
 * up naming the holder.
 * @module
 */
import { FolderLockedError, lockFolder, type LockOptions } from "../core/folder_lock.ts";
import { baseModelDir } from "../loop/sft.ts";
import { loadStrategicGrams } from "../masks/strategic_grams.ts";
import { readManifest, runLockPath } from "../store/run_folder.ts";
import { jobContext, runCellSpec } from "./child.ts";
import { type GridManifest, launchDir, manifestRuns, readManifestFile } from "./grid_manifest.ts";
import { checkWritable, clearLeftovers, evaluateBase, type GridSpec, prepareBase } from "./runner.ts";

/** How a job refused by another process's lock goes on. */
const REQUEUE = "launch the grid again with --resume once it has ended (or scontrol requeue this job)";

/** How long a job waits for a lock held by another process (a launcher that has just submitted it, above all). */
const LOCK_PATIENCE_S = 60;

/**
 * {@link lockFolder} on `dir` with `options`, trying again every second for {@link LOCK_PATIENCE_S} seconds
 * while another process holds the lock: the launcher holds `runs/.lock` while it submits, so its first job
 * may start before it has let go, and a task killed to be requeued may not have ended yet.
 */
async function lockPatiently(dir: string, options?: LockOptions): Promise<Deno.FsFile> {
  for (let waited = 0;; waited++) {
    try {
      return await lockFolder(dir, REQUEUE, options);
    } catch (e) {
      if (!(e instanceof FolderLockedError) || waited >= LOCK_PATIENCE_S) throw e;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** The grid spec of manifest `m`'s jobs in this process: its context loaded, its cells in the manifest. */
async function manifestSpec(m: GridManifest): Promise<GridSpec> {
  return {
    ...await jobContext(m.job),
    baselines: [],
    seeds: [],
    overrides: {},
    cache: m.cache,
    out: m.out,
    resume: true,
  };
}

/**
 * Run `body` holding the grid's runs folder locked exclusively, as a bench does (its folder made first:
 * refused when this node cannot write it), after clearing what killed writers left there.
 */
async function holdingGrid<T>(m: GridManifest, body: () => Promise<T>): Promise<T> {
  const runs = manifestRuns(m);
  await checkWritable(runs);
  const lock = await lockPatiently(runs);
  try {
    await clearLeftovers(runs); // as a local bench does: no cell task runs while this lock is held
    return await body();
  } finally {
    lock.close();
  }
}

/**
 * The base job of the grid manifest at `path`: build or load the base model, mine the grams into its
 * `base-…` folder. Refused when the base model's code changed since the grid was planned (its cache
 * key would name another model than the cells were planned from).
 */
export async function runBaseJob(path: string): Promise<void> {
  const m = await readManifestFile(path);
  const spec = await manifestSpec(m);
  const checkpoint = await baseModelDir(spec.cfg, spec.cfg.baseSeeds[0], m.cache, spec.backend);
  if (checkpoint !== m.job.base.checkpoint) {
    throw new Error(
      `the base model's code or config changed since the grid was launched (now ${checkpoint}, planned ` +
        `${m.job.base.checkpoint}); put the code back, or launch the grid again`,
    );
  }
  await holdingGrid(m, () => prepareBase(spec, m.job.grid));
}

/** The cell job `index` of the grid manifest at `path`: run its cell, skip it when finished, continue it when not. */
export async function runCellJob(path: string, index: number): Promise<void> {
  const m = await readManifestFile(path);
  const cell = m.cells[index];
  if (!cell) throw new Error(`${path} has no cell ${index}: its cells are 0 to ${m.cells.length - 1}`);
  const runs = manifestRuns(m), id = cell.dir.slice(cell.dir.lastIndexOf("/") + 1);
  const grid = await lockPatiently(runs, { shared: true });
  try {
    const own = await lockPatiently(cell.dir, { path: runLockPath(cell.dir) });
    try {
      const state = await readManifest(cell.dir);
      if (state?.status === "complete") return console.error(`${id} is finished already; nothing to do`);
      console.error(`${state ? "continuing" : "running"} ${id} (cell ${index} of ${m.cells.length})`);
      await runCellSpec({ ...m.job, cell: { ...cell, resume: state !== null } });
      console.error(`finished ${id}`);
    } finally {
      own.close();
    }
  } finally {
    grid.close();
  }
}

/**
 * The end job of the grid manifest at `path`: once every cell is finished, evaluate the base model into
 * its `base-…` folder (nothing when done); refused, naming them, while cells are not.
 */
export async function runEndJob(path: string): Promise<GridManifest> {
  const m = await readManifestFile(path);
  const unfinished: string[] = [];
  for (const [i, cell] of m.cells.entries()) {
    const status = (await readManifest(cell.dir))?.status ?? "not started";
    if (status !== "complete") unfinished.push(`${i} (${cell.dir.slice(cell.dir.lastIndexOf("/") + 1)}, ${status})`);
  }
  if (unfinished.length) {
    throw new Error(
      `${unfinished.length} of ${m.cells.length} cell(s) did not finish: ${unfinished.slice(0, 5).join(", ")}` +
        `${unfinished.length > 5 ? ", …" : ""}; see ${
          launchDir(m.out, m.job.cfg.name)
        }/logs/cell-<array job>_<index>.log, ` +
        `then launch the grid again with --resume (finished cells are skipped)`,
    );
  }
  const spec = await manifestSpec(m);
  await holdingGrid(m, async () => {
    const grams = await loadStrategicGrams(m.job.base.grams);
    await evaluateBase(spec, { checkpoint: m.job.base.checkpoint, dir: m.baseDir, grams });
  });
  return m;
}
