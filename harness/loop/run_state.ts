/**
 * The resumable state of an RL run (or of a base-model build, harness/loop/sft.ts), saved as one folder
 * `<run>/checkpoint/`: the policy (a harness/model/checkpoint.ts checkpoint), Adam's state (`optimizer.bin`)
 * and `state.json` (steps done, and the byte length and SHA-256 every metric file had then). Every random stream of a
 * run is keyed by its step (harness/core/rng.ts), so the step counter is all the RNG position there is.
 *
 * Saving is atomic as a whole: the new state is written to `checkpoint.next/`, the old folder is
 * renamed to `checkpoint.old/`, the new one into place, and the old one removed; a kill at any moment
 * leaves either `checkpoint/` or `checkpoint.old/` complete, and loading takes whichever is there. A
 * `checkpoint/` whose bytes were damaged after it was saved (a write lost to a power cut, a disk fault)
 * gives way to a whole `checkpoint.old/` beside it, which every checksum vouches for, metric files included.
 * @module
 */
import { createHash, type Hash } from "node:crypto";
import { CheckpointError, loadCheckpoint, saveCheckpoint } from "../model/checkpoint.ts";
import type { ModelConfig, Policy } from "../model/model.ts";
import type { OptimizerState, Trainer } from "../model/optimizer.ts";
import { exists, removeAll, replaceFolder, sha256, writeAtomic } from "../core/atomic.ts";
import { firstLine } from "../core/errors.ts";

const FORMAT = "credit-bench-run-state/1";

/** What `state.json` holds. */
export interface RunStateMeta {
  format: string;
  /** RL steps done. */
  step: number;
  /** Optimisation steps done. */
  optimizerSteps: number;
  /** Floats of each optimiser array in `optimizer.bin`, in order ([β1^t, β2^t] first). */
  optimizerLayout: number[];
  optimizerSha256: string;
  /** Byte length of each metric file when the state was saved. */
  files: Record<string, number>;
  /** Hex SHA-256 of those bytes of each metric file (absent from states saved before it was recorded). */
  sums?: Record<string, string>;
}

/** A loaded run state: the policy, the optimiser state to import and the meta data. */
export interface RunState {
  policy: Policy;
  optimizer: OptimizerState;
  meta: RunStateMeta;
  /** The folder it was read from. */
  dir: string;
  /** A `note:` line for the caller to show when a damaged `checkpoint/` gave way to `checkpoint.old/`. */
  note?: string;
}

/** Feed `hash` the bytes of the file at `path` from byte `from` up to byte `to` or its end; returns how many. */
async function feed(hash: Hash, path: string, from: number, to: number): Promise<number> {
  const file = await Deno.open(path);
  try {
    await file.seek(from, Deno.SeekMode.Start);
    const buf = new Uint8Array(1 << 20);
    let at = from;
    while (at < to) {
      const n = await file.read(to - at < buf.length ? buf.subarray(0, to - at) : buf);
      if (n === null) break;
      hash.update(buf.subarray(0, n));
      at += n;
    }
    return at - from;
  } finally {
    file.close();
  }
}

/**
 * The byte length and SHA-256 of each metric file of a run folder, kept as the files grow: each
 * {@link FileSums.read} reads only the bytes appended since the last one, so the saves of a run read
 * each byte it writes once. A file that shrank since (cut back on resume) is read again from its start.
 */
export class FileSums {
  readonly #read = new Map<string, { hash: Hash; length: number }>();

  /** The sums of `files` (names in `runDir`). */
  constructor(readonly runDir: string, readonly files: readonly string[]) {}

  /** The byte length and hex SHA-256 of each file now (a missing file: 0 bytes). */
  async read(): Promise<Pick<RunStateMeta, "files" | "sums">> {
    const files: Record<string, number> = {}, sums: Record<string, string> = {};
    for (const f of this.files) {
      const path = `${this.runDir}/${f}`;
      const size = (await exists(path)) ? (await Deno.stat(path)).size : 0;
      let read = this.#read.get(f);
      if (!read || read.length > size) this.#read.set(f, read = { hash: createHash("sha256"), length: 0 });
      if (size > read.length) read.length += await feed(read.hash, path, read.length, size);
      files[f] = read.length;
      sums[f] = read.hash.copy().digest("hex");
    }
    return { files, sums };
  }
}

/** Save the state of the run in `runDir` after `step` RL steps; `sums` measures its metric files. */
export async function saveRunState(
  runDir: string,
  step: number,
  policy: Policy,
  trainer: Trainer,
  sums: FileSums,
): Promise<void> {
  const next = `${runDir}/checkpoint.next`, cur = `${runDir}/checkpoint`;
  await Deno.remove(next, { recursive: true }).catch(() => {});
  await saveCheckpoint(next, policy);
  const opt = trainer.exportState();
  const arrays = [opt.accBeta, ...opt.moments];
  const flat = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let off = 0;
  for (const a of arrays) {
    flat.set(a, off);
    off += a.length;
  }
  const bytes = new Uint8Array(flat.buffer);
  await writeAtomic(`${next}/optimizer.bin`, bytes);
  const meta: RunStateMeta = {
    format: FORMAT,
    step,
    optimizerSteps: opt.steps,
    optimizerLayout: arrays.map((a) => a.length),
    optimizerSha256: await sha256(bytes),
    ...await sums.read(),
  };
  await writeAtomic(`${next}/state.json`, JSON.stringify(meta, null, 2) + "\n");
  await replaceFolder(next, cur);
}

/** Why file `name` of a saved state cannot be read: it is missing or not JSON (other errors are thrown). */
function unreadable(name: string, e: unknown): string {
  if (e instanceof Deno.errors.NotFound || e instanceof SyntaxError) return `${name} cannot be read (${firstLine(e)})`;
  throw e;
}

/**
 * What is damaged in the state saved in folder `dir`, or null when its bytes are whole: a file missing or
 * not JSON, or `optimizer.bin` or `weights.bin` without the SHA-256 that `state.json` or `model.json` records
 * for it. A state folder is only ever renamed into place whole, so such damage came after it was saved.
 */
async function damageOf(dir: string): Promise<string | null> {
  const sums = [["optimizer.bin", "state.json", "optimizerSha256"], ["weights.bin", "model.json", "sha256"]];
  for (const [file, meta, key] of sums) {
    let recorded: Record<string, unknown> | null, bytes: Uint8Array;
    try {
      recorded = JSON.parse(await Deno.readTextFile(`${dir}/${meta}`));
    } catch (e) {
      return unreadable(meta, e);
    }
    try {
      bytes = await Deno.readFile(`${dir}/${file}`);
    } catch (e) {
      return unreadable(file, e);
    }
    if ((await sha256(bytes)) !== recorded?.[key]) return `${file} does not match its checksum (truncated or corrupt)`;
  }
  return null;
}

/**
 * The folder of the state saved in `runDir`: `checkpoint/`, or `checkpoint.old/` when a kill came between the
 * two renames; null when none was saved (no `checkpoint/` at all). Beside a `checkpoint/`, `checkpoint.old/` is the state saved before
 * it (a kill came before its removal ended): it is removed when `checkpoint/` is whole, and put in its place
 * when `checkpoint/` is damaged and it is whole (`damage` then says what was wrong with `checkpoint/`).
 */
async function stateFolder(runDir: string): Promise<{ dir: string; damage?: string } | null> {
  const cur = `${runDir}/checkpoint`, old = `${runDir}/checkpoint.old`, damaged = `${runDir}/checkpoint.damaged`;
  await removeAll(damaged); // a damaged state set aside by a load killed before it removed it
  const oldSaved = await exists(`${old}/state.json`);
  if (!(await exists(`${cur}/state.json`))) {
    // A checkpoint/ is only ever put in place whole: one without its state.json is damaged, refused when loaded
    // (a resume that started the run again from step 0 instead would have said nothing of it).
    return oldSaved ? { dir: old } : (await exists(cur)) ? { dir: cur } : null;
  }
  if (!(await exists(old))) return { dir: cur };
  const damage = await damageOf(cur);
  if (damage === null) await removeAll(old);
  if (damage === null || !oldSaved || (await damageOf(old)) !== null) return { dir: cur };
  // Set aside whole, then removed: a kill between leaves checkpoint.old/ and no checkpoint/, taken as it is and
  // kept until the next save is in place (harness/core/atomic.ts replaceFolder), never a part of checkpoint/.
  await Deno.rename(cur, damaged);
  await Deno.rename(old, cur);
  await removeAll(damaged);
  return { dir: cur, damage };
}

/**
 * The saved state of the run in `runDir` ({@link stateFolder}), or null when none was saved. A corrupt
 * state throws a CheckpointError naming the folder and `fix`.
 */
export async function loadRunState(
  runDir: string,
  model: ModelConfig,
  fix: string,
): Promise<RunState | null> {
  const found = await stateFolder(runDir);
  if (!found) return null;
  const { dir, damage } = found;
  let meta: RunStateMeta, bytes: Uint8Array;
  try {
    meta = JSON.parse(await Deno.readTextFile(`${dir}/state.json`));
    bytes = await Deno.readFile(`${dir}/optimizer.bin`);
  } catch (e) {
    throw new CheckpointError(dir, `cannot be read (${(e as Error).message}); ${fix}`);
  }
  if (meta.format !== FORMAT) throw new CheckpointError(dir, `state format ${meta.format} is not ${FORMAT}; ${fix}`);
  if ((await sha256(bytes)) !== meta.optimizerSha256) {
    throw new CheckpointError(dir, `optimizer.bin does not match its checksum (truncated or corrupt); ${fix}`);
  }
  const flat = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const arrays: Float32Array[] = [];
  let off = 0;
  for (const n of meta.optimizerLayout) {
    arrays.push(flat.slice(off, off + n));
    off += n;
  }
  if (off !== flat.length || arrays.length < 1) {
    throw new CheckpointError(dir, `optimizer.bin holds ${flat.length} floats, state.json says ${off}; ${fix}`);
  }
  const policy = await loadCheckpoint(dir, model, fix);
  const optimizer = { steps: meta.optimizerSteps, accBeta: arrays[0], moments: arrays.slice(1) };
  if (damage === undefined) return { policy, optimizer, meta, dir };
  const note = `note: checkpoint ${dir}: ${damage}; went on from the state saved before it (step ${meta.step}), ` +
    "which was checkpoint.old/ beside it and takes its place";
  return { policy, optimizer, meta, dir, note };
}

/**
 * Cut each metric file of `runDir` back to the length `lengths` gives (what followed the saved state).
 * Throws a {@link CheckpointError} ending with `fix` for a file missing or shorter than the saved state
 * counts, or whose first bytes no longer have the SHA-256 in `sums` (edited or damaged since; a state
 * saved without sums is taken as it is): the run cannot go on from that state.
 */
export async function truncateTo(
  runDir: string,
  lengths: Record<string, number>,
  sums: Record<string, string> | undefined,
  fix: string,
): Promise<void> {
  for (const [f, n] of Object.entries(lengths)) {
    const path = `${runDir}/${f}`;
    if (!(await exists(path))) {
      if (n > 0) {
        throw new CheckpointError(runDir, `${f} is missing but the saved state counts ${n} bytes of it; ${fix}`);
      }
      await Deno.writeTextFile(path, "");
      continue;
    }
    const size = (await Deno.stat(path)).size;
    if (size < n) {
      throw new CheckpointError(runDir, `${f} has ${size} bytes, fewer than the ${n} the saved state counts; ${fix}`);
    }
    const sum = sums?.[f];
    if (sum !== undefined) {
      const hash = createHash("sha256");
      await feed(hash, path, 0, n);
      if (hash.digest("hex") !== sum) {
        throw new CheckpointError(
          runDir,
          `the first ${n} bytes of ${f} are not those the saved state counts (edited or damaged since); ${fix}`,
        );
      }
    }
    await Deno.truncate(path, n);
  }
}
