/**
 * One writer per folder: `deno task bench` holds an exclusive advisory lock on `<out>/<suite>/runs/.lock`
 * while it plans and runs its grid (and on a base model's build folder while it trains it), so a second
 * bench (a `--resume` typed twice, two terminals) on the same folder stops at once instead of writing
 * the same files. The operating system drops the lock when its process ends, a crash or a kill
 * included: a lock is never left stale. A Slurm cell task (harness/grid/manifest_jobs.ts) holds
 * `runs/.lock` shared, beside the other cell tasks and against a bench, and its own cell's lock file
 * exclusively.
 * @module
 */

/** Thrown when another process holds the folder's lock. */
export class FolderLockedError extends Error {
  /** `dir` is locked by process `pid` (null when it could not be read); `other` names the way around it. */
  constructor(dir: string, pid: number | null, other: string) {
    super(
      `another credit-bench process${pid ? ` (pid ${pid})` : ""} is writing ${dir}; ` +
        `wait for it to finish (or stop it), or ${other}`,
    );
    this.name = "FolderLockedError";
  }
}

/** How {@link lockFolder} locks: the lock file (default `<dir>/.lock`), and whether others may hold it too. */
export interface LockOptions {
  /** The lock file, whose folder must exist (default `<dir>/.lock`). */
  path?: string;
  /** A shared lock, held beside other shared ones and against an exclusive one (default: exclusive). */
  shared?: boolean;
  /**
   * Wait while another process holds it, after calling this with that process's id (null when it could
   * not be read), instead of throwing (default: do not wait).
   */
  waiting?: (pid: number | null) => void;
}

/**
 * Take the lock of folder `dir` (which must exist) without waiting (unless `waiting` is given), writing
 * this process's id into it; close the returned file to release it. Throws {@link FolderLockedError}
 * when it is held, its message ending with `other` (default: pass another --out), and an error saying
 * to move it away when the lock file is a folder.
 */
export async function lockFolder(
  dir: string,
  other = "pass another --out",
  { path = `${dir}/.lock`, shared = false, waiting }: LockOptions = {},
): Promise<Deno.FsFile> {
  const file = await Deno.open(path, { read: true, write: true, create: true }).catch((e) => {
    if (!(e instanceof Deno.errors.IsADirectory)) throw e;
    throw new Error(
      `${path}: is a folder where credit-bench keeps a lock file; move it away, then run the command again`,
    );
  });
  if (typeof file.tryLock !== "function") {
    file.close();
    throw new Error(`Deno ${Deno.version.deno} cannot lock a file without waiting; update it: npm install -g deno@2`);
  }
  if (!(await file.tryLock(!shared))) {
    const read = Number.parseInt(await Deno.readTextFile(path).catch(() => ""), 10);
    const pid = Number.isFinite(read) ? read : null;
    if (!waiting) {
      file.close();
      throw new FolderLockedError(dir, pid, other);
    }
    waiting(pid);
    await file.lock(!shared);
  }
  await file.truncate(0);
  await file.write(new TextEncoder().encode(`${Deno.pid}\n`));
  return file;
}
