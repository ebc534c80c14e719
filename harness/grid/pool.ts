/**
 * `--jobs N`: the grid's cells in N child processes at a time, each a `bench` of one cell (one
 * baseline, one seed, `--jobs 1 --no-report`) with the parent's other options, so a cell computes the
 * same bytes in a child as in the parent. The parent follows progress by counting the lines of each
 * running cell's `train.jsonl`, and a failed child's stderr is shown with its cell. Stopping the
 * parent (SIGINT, SIGTERM) stops its children too, and a child whose parent dies any other way
 * (SIGKILL, a crash) stops when its stdin, a pipe from the parent, closes ({@link exitWithParent}):
 * no run goes on writing unseen, and `--resume` continues them from their last checkpoints.
 * @module
 */
import type { Cell, LastJob } from "./runner.ts";
import { Progress } from "../core/progress.ts";
import { signalStatus, StopSignals } from "../core/stop.ts";

/** How to start the child of a cell: the arguments after `deno`. */
export type ChildArgs = (cell: Cell) => string[];

/** Lines in `path` (0 when it does not exist yet). */
async function lines(path: string): Promise<number> {
  try {
    const text = await Deno.readTextFile(path);
    return text.split("\n").length - 1;
  } catch {
    return 0;
  }
}

/**
 * Run `cells` in at most `jobs` child processes at a time, then `last` in this process as one more job
 * (it takes the first slot free after the last cell has started); rejects, once the running jobs have
 * ended, with the errors of every failed one. `steps` is the RL steps per cell (for the progress bar).
 * A stop signal meanwhile stops the children and exits; `stop` is the caller's listener to use for it.
 */
export async function runInChildren(
  cells: readonly Cell[],
  jobs: number,
  steps: number,
  args: ChildArgs,
  last?: LastJob,
  stop?: StopSignals,
): Promise<void> {
  const bar = new Progress(`grid (${cells.length} runs, ${jobs} jobs)`, cells.length * steps);
  const running = new Set<Cell>();
  let finishedSteps = 0;
  const timer = setInterval(async () => {
    let live = 0;
    for (const c of running) live += await lines(`${c.dir}/train.jsonl`);
    bar.update(finishedSteps + live);
  }, 1000);
  const failures: string[] = [];
  const children = new Set<Deno.ChildProcess>();
  const signals = stop ?? new StopSignals("", ""); // its own listener unless the caller's
  signals.now = (signal) => {
    for (const child of children) child.kill(signal);
    console.error(
      `\nstopped by ${signal}: ${children.size} run(s) interrupted; run the same command with --resume to continue them`,
    );
    Deno.exit(signalStatus(signal));
  };
  let next = 0;
  const worker = async () => {
    while (next <= cells.length) {
      if (next++ === cells.length) {
        await last?.run().catch((e) => failures.push(`${last.name}: ${(e as Error).message}`));
        continue;
      }
      const cell = cells[next - 1];
      running.add(cell);
      const child = new Deno.Command(Deno.execPath(), {
        args: args(cell),
        stdin: "piped",
        stdout: "null",
        stderr: "piped",
      }).spawn();
      children.add(child);
      const out = await child.output();
      children.delete(child);
      running.delete(cell);
      finishedSteps += steps;
      if (!out.success) {
        const err = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-3).join(" | ");
        failures.push(`${cell.baseline.name} seed ${cell.seed} (exit ${out.code}): ${err}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(jobs, cells.length + 1) }, worker));
  } finally {
    signals.now = null;
    if (signals !== stop) signals.close();
    clearInterval(timer);
    bar.update(finishedSteps);
    bar.done();
  }
  if (failures.length) throw new Error(`${failures.length} job(s) failed: ${failures.join("; ")}`);
}

/** In a child: exit (status 143) once stdin, the pipe from the parent, closes, which happens when the parent dies. */
export function exitWithParent(): void {
  (async () => {
    for await (const _ of Deno.stdin.readable) {
      // the parent writes nothing; only the end of the stream matters
    }
    Deno.exit(143);
  })();
}
