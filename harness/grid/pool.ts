/**
 * `--jobs N`: the grid's cells in N child processes at a time. The parent hands each child its job as
 * one line of JSON on the child's stdin (harness/grid/runner.ts `CellSpec`: the cell, the config, the
 * base checkpoint folder, the mined grams…), so a child computes the same bytes as the parent would,
 * from the parent's base model, and plans or re-derives nothing. Children run with the permissions of
 * deno.json's `bench` task, read from there ({@link childArgs}). The parent follows progress by
 * counting the lines of each running job's `train.jsonl`; a child's `note:` lines are shown as it ends,
 * and a failed child's stderr with its job. Stopping the parent (SIGINT, SIGTERM) stops its children too,
 * and a child whose parent dies any other way (SIGKILL, a crash) stops when its stdin, the pipe from the
 * parent, closes ({@link fromParent}): no run goes on writing unseen, and `--resume` continues them from
 * their last checkpoints.
 * @module
 */
import { fileURLToPath } from "node:url";
import { isNative, NATIVE_PERMISSIONS } from "../backend/backend.ts";
import { Progress } from "../core/progress.ts";
import { signalStatus, StopSignals } from "../core/stop.ts";

/** One job of a child process. */
export interface ChildJob {
  /** What it is called in messages (e.g. `grpo seed 1`). */
  name: string;
  /** Its run folder, whose `train.jsonl` lines count its steps. */
  dir: string;
  /** The arguments after `deno`. */
  args: readonly string[];
  /** The line written to its stdin: its job, as JSON. */
  input: string;
}

/** A job run in this process after the child jobs, and what its failure is called. */
export interface LastJob {
  name: string;
  run: () => Promise<void>;
}

/** The project's deno.json, whose `bench` task holds the bench's permissions. */
const DENO_JSON = new URL("../../deno.json", import.meta.url);

/** The permission flags (`--allow-…`) of deno.json's `bench` task, the one place they are written. */
export async function benchPermissions(): Promise<string[]> {
  const bench: string = JSON.parse(await Deno.readTextFile(DENO_JSON)).tasks.bench;
  return bench.split(/\s+/).filter((a) => a.startsWith("--allow-"));
}

/**
 * The arguments after `deno` that run `harness/cli.ts` on `backend` in a process that starts none: `run`,
 * the bench task's permissions less `--allow-run`, with a native backend's own ({@link NATIVE_PERMISSIONS})
 * in place of narrower ones, then the path of `harness/cli.ts`. A command of it follows.
 */
export async function cliArgs(backend: string): Promise<string[]> {
  const flag = (a: string) => a.split("=")[0];
  const extra = isNative(backend) ? NATIVE_PERMISSIONS : [];
  const perms = (await benchPermissions()).filter((a) => a !== "--allow-run" && !extra.includes(flag(a)));
  return ["run", ...perms, ...extra, fileURLToPath(new URL("../cli.ts", import.meta.url))];
}

/** The arguments after `deno` of a child that runs one cell on `backend`: {@link cliArgs}, then `cell`. */
export async function childArgs(backend: string): Promise<string[]> {
  return [...await cliArgs(backend), "cell"];
}

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
  cells: readonly ChildJob[],
  jobs: number,
  steps: number,
  last?: LastJob,
  stop?: StopSignals,
): Promise<void> {
  const bar = new Progress(`grid (${cells.length} runs, ${jobs} jobs)`, cells.length * steps);
  const running = new Set<ChildJob>();
  // Steps done per started cell: a running cell's logged steps (at most `steps`), a finished cell's `steps`.
  const stepsDone = new Map<ChildJob, number>();
  const total = () => [...stepsDone.values()].reduce((a, b) => a + b, 0);
  let polling = false, ended = false;
  const timer = setInterval(async () => {
    if (polling) return; // the previous poll is still reading
    polling = true;
    for (const c of [...running]) {
      const logged = Math.min(steps, await lines(`${c.dir}/train.jsonl`));
      if (running.has(c)) stepsDone.set(c, logged); // a cell that ended meanwhile keeps its full count
    }
    polling = false;
    if (!ended) bar.update(total());
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
        args: [...cell.args],
        stdin: "piped",
        stdout: "null",
        stderr: "piped",
      }).spawn();
      children.add(child);
      // stdin stays open: its end tells the child that this process is gone. A child that died first
      // refuses the write; its own exit status and stderr say why.
      const input = child.stdin.getWriter();
      await input.write(new TextEncoder().encode(`${cell.input}\n`)).catch(() => {});
      input.releaseLock();
      const out = await child.output();
      children.delete(child);
      running.delete(cell);
      stepsDone.set(cell, steps);
      const err = new TextDecoder().decode(out.stderr).trim().split("\n");
      const notes = err.filter((line) => line.startsWith("note: ")); // e.g. a checkpoint that gave way
      for (const line of notes) console.error(line);
      if (!out.success) {
        const said = err.filter((line) => !notes.includes(line)).slice(-3).join(" | ");
        failures.push(`${cell.name} (exit ${out.code}): ${said}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(jobs, cells.length + 1) }, worker));
  } finally {
    signals.now = null;
    if (signals !== stop) signals.close();
    clearInterval(timer);
    ended = true;
    bar.update(total());
    bar.done();
  }
  if (failures.length) throw new Error(`${failures.length} job(s) failed: ${failures.join("; ")}`);
}

/**
 * In a child: the first line its parent writes on stdin (its job); from then on the child exits (status
 * 143) once stdin, the pipe from the parent, closes, which happens when the parent dies. Throws when
 * stdin ends before a whole line (the command was not started by a parent).
 */
export async function fromParent(): Promise<string> {
  const reader = Deno.stdin.readable.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) {
      throw new Error(
        "cell runs one cell of a --jobs grid from the line its parent writes on stdin; run bench instead",
      );
    }
    text += value;
  }
  (async () => {
    while (!(await reader.read()).done) {
      // the parent writes nothing more; only the end of the stream matters
    }
    Deno.exit(143);
  })();
  return text.slice(0, text.indexOf("\n"));
}
