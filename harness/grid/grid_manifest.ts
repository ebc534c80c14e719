/**
 * A grid planned into a file, for a cluster's jobs to run (harness/grid/manifest_jobs.ts): what a `--jobs`
 * child gets on stdin, written once for the whole grid. The grid manifest (`<out>/<suite>/slurm/grid.json`)
 * holds the grid's context (config, grid hash, backend, engine, wasm threads, command, task files), its
 * base model's checkpoint folder (its cache key computed at planning time) and `base-…` folder, and the
 * cells left to run, each as a `--jobs` child's {@link CellSpec} holds it, in the order of the job array.
 * @module
 */
import { firstLine } from "../core/errors.ts";
import { writeAtomic } from "../core/atomic.ts";
import { baseModelDir } from "../loop/sft.ts";
import { runsDir } from "../store/run_folder.ts";
import { baseRun, type CellSpec, gridJob, type GridSpec, planCells, specCell, specGridHash } from "./runner.ts";

/** The version of the grid manifest's layout, checked when it is read. */
const MANIFEST_VERSION = 1;

/** A grid planned for a cluster (see the module doc). */
export interface GridManifest {
  version: number;
  /** The grid's results folder. */
  out: string;
  /** The base-model cache folder. */
  cache: string;
  /** What every cell shares, the base model included: a `--jobs` child's spec less its cell. */
  job: Omit<CellSpec, "cell">;
  /** The `base-…` run folder, where the grams are mined and the base model evaluated. */
  baseDir: string;
  /** The cells to run, the job array's task `i` running `cells[i]`. */
  cells: CellSpec["cell"][];
}

/** The folder of a suite's cluster files (grid manifest, job scripts, job ids, logs) under results folder `out`. */
export function launchDir(out: string, suite: string): string {
  return `${out}/${suite}/slurm`;
}

/**
 * Plan `spec`'s grid into a manifest, its cells on `threads` wasm threads: the cells left to run
 * (harness/grid/runner.ts `planCells`: folders of another configuration refused, finished cells
 * left out, unfinished ones only with `spec.resume`), the base model's cache folder, its `base-…` folder.
 */
export async function planManifest(spec: GridSpec, threads: number): Promise<GridManifest> {
  const grid = await specGridHash(spec);
  const cells = await planCells(spec, grid);
  const checkpoint = await baseModelDir(spec.cfg, spec.cfg.baseSeeds[0], spec.cache, spec.backend);
  const base = { checkpoint, dir: (await baseRun(spec, grid)).dir };
  return {
    version: MANIFEST_VERSION,
    out: spec.out,
    cache: spec.cache,
    job: gridJob(spec, grid, base, threads),
    baseDir: base.dir,
    cells: cells.map(specCell),
  };
}

/** Write `m` atomically to `path`. */
export async function writeManifestFile(path: string, m: GridManifest): Promise<void> {
  await writeAtomic(path, JSON.stringify(m, null, 2) + "\n");
}

/** Read the grid manifest at `path`, or a one-line error saying what to do. */
export async function readManifestFile(path: string): Promise<GridManifest> {
  let m: GridManifest;
  try {
    m = JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    throw new Error(
      `cannot read the grid manifest ${path} (${firstLine(e)}); launch the grid again`,
    );
  }
  if (m?.version !== MANIFEST_VERSION) {
    throw new Error(
      `${path} is not a grid manifest of this credit-bench (version ${m?.version}); launch the grid again`,
    );
  }
  return m;
}

/** The runs folder of the grid `m` describes. */
export function manifestRuns(m: GridManifest): string {
  return runsDir(m.out, m.job.cfg.name);
}
