/**
 * What writers killed halfway leave: a file or folder under its temporary name `<name>.tmp-<pid>`
 * (harness/core/atomic.ts `writeAtomic`, a run folder made under a temporary name) or a write probe
 * `.write-probe-<pid>`, and whether the process that named it is gone. The runs folder of a bench and a
 * base model's build folder are cleared of them by the next process that holds their lock.
 * @module
 */
import { removeAll } from "./atomic.ts";

/**
 * Whether process `pid`, which named a file it wrote, can no longer be writing it, asked by a process holding
 * the lock of the folder it is in before it writes there: this process has written nothing yet (a file of its id is
 * a dead process's that had it), and another has ended when `kill -0` finds no such process (Deno reads
 * `/proc` only with --allow-all). Where `kill` cannot be run, the lock alone answers: each writer held it
 * (a `--jobs` child of a parent killed outright excepted, which stops at its next step).
 */
async function writerGone(pid: number): Promise<boolean> {
  if (pid === Deno.pid) return true;
  const probe = await new Deno.Command("kill", { args: ["-0", String(pid)], stdout: "null", stderr: "piped" })
    .output().catch(() => null);
  // Another user's process is there too, though this one may not signal it.
  return probe === null || (!probe.success && !/not permitted/i.test(new TextDecoder().decode(probe.stderr)));
}

/** The entries of folder `dir` by name (none when it does not exist). */
async function entriesOf(dir: string): Promise<Deno.DirEntry[]> {
  const entries = await Array.fromAsync(Deno.readDir(dir)).catch((e) => {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  });
  return entries.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/**
 * Remove what writers killed halfway left in runs folder `dir` (or a base model's build folder,
 * harness/loop/sft.ts), whose lock this process holds exclusively and in which it has written nothing
 * yet, and return the paths removed (relative to `dir`): a run folder's temporary name (`<id>.tmp-<pid>`),
 * a write probe (`.write-probe-<pid>`), and a file's temporary name (harness/core/atomic.ts `writeAtomic`'s
 * `<file>.tmp-<pid>`) in `dir` or a folder in it. A file of a process that still runs (a `--jobs` child
 * of a killed bench, ending) is left. A `checkpoint.old/` is a saved state, the loader's to take or remove
 * (harness/loop/run_state.ts), not a leftover.
 */
export async function removeLeftovers(dir: string): Promise<string[]> {
  const removed: string[] = [];
  const stale = async (path: string) => {
    await removeAll(`${dir}/${path}`);
    removed.push(path);
  };
  for (const e of await entriesOf(dir)) {
    const pid = /(?:\.tmp-|^\.write-probe-)(\d+)$/.exec(e.name)?.[1];
    if (pid !== undefined) {
      if (await writerGone(Number(pid))) await stale(e.name);
      continue;
    }
    if (!e.isDirectory) continue;
    for (const f of await entriesOf(`${dir}/${e.name}`)) {
      const pid = /\.tmp-(\d+)$/.exec(f.name)?.[1];
      if (pid !== undefined && await writerGone(Number(pid))) await stale(`${e.name}/${f.name}`);
    }
  }
  return removed;
}
