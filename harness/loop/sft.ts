/**
 * The base model: supervised training of a fresh policy on teacher traces of every suite task
 * (interleaved in every batch), seeded, and cached by a content hash of everything that determines its weights.
 * @module
 */
import { tf } from "../backend/backend.ts";
import { type BenchConfig, type SftConfig } from "../config.ts";
import { createPolicy, logProbs, type Policy } from "../model/model.ts";
import { rng } from "../core/rng.ts";
import { TaskSplits, trainSplits } from "../suite.ts";
import { encode, EOS, PAD, promptIds, TOKENIZER_ID } from "../text/tokenizer.ts";
import { Trainer } from "../model/optimizer.ts";
import { loadCheckpoint, saveCheckpoint } from "../model/checkpoint.ts";
import { exists, removeAll, sha256, writeAtomic } from "../core/atomic.ts";
import { byLength, lengthChunks, TRAIN_PASS_OVERHEAD } from "../model/length_chunks.ts";
import { FileSums, loadRunState, saveRunState, truncateTo } from "./run_state.ts";
import { lockFolder } from "../core/folder_lock.ts";
import { removeLeftovers } from "../core/leftovers.ts";
import { Stopped } from "../core/stop.ts";
import { localModules } from "../core/module_file.ts";
import type { TaskDef } from "../../tasks/kit/task.ts";

/** A batch of sequences: inputs, next-token targets and a loss mask, all [batch, time]. */
export interface SeqBatch {
  tokens: number[][];
  targets: number[][];
  mask: number[][];
}

/** Pad prompt+response sequences into a batch whose loss covers the response and EOS only. */
export function sequenceBatch(examples: { prompt: number[]; response: number[] }[]): SeqBatch {
  const seqs = examples.map((e) => [...e.prompt, ...e.response, EOS]);
  const T = Math.max(...seqs.map((s) => s.length)) - 1;
  const batch: SeqBatch = { tokens: [], targets: [], mask: [] };
  seqs.forEach((s, i) => {
    const start = examples[i].prompt.length - 1;
    const pad = (a: number[]) => [...a, ...Array(T - a.length).fill(PAD)];
    batch.tokens.push(pad(s.slice(0, -1)));
    batch.targets.push(pad(s.slice(1)));
    batch.mask.push(Array.from({ length: T }, (_, t) => (t >= start && t < s.length - 1 ? 1 : 0)));
  });
  return batch;
}

/**
 * SFT batch `step`: example j is a teacher trace of task `(step·B + j) mod #tasks`, so every batch
 * mixes the tasks (measured: better per step than one task per batch, despite more padding); the
 * examples are then sorted by length, so that {@link sequenceLoss}'s passes pad least.
 */
export function sftBatch(splits: TaskSplits[], sft: SftConfig, seed: number, step: number): SeqBatch {
  const examples = Array.from({ length: sft.batchSize }, (_, j) => {
    const n = step * sft.batchSize + j;
    const sp = splits[n % splits.length];
    const index = Math.floor(n / splits.length);
    const problem = sp.train(index);
    const trace = sp.task.demonstrate(problem, rng(seed, "sft", sp.task.name, index), sft.style);
    return { prompt: promptIds(problem.prompt), response: encode(trace.words) };
  });
  const order = byLength(examples.map((e) => ({ left: 0, right: e.prompt.length + e.response.length })));
  return sequenceBatch(order.map((i) => examples[i]));
}

/**
 * Mean next-token NLL over the masked positions of a batch. Consecutive rows of similar length share
 * a forward pass cut to its longest row (harness/model/length_chunks.ts, at `overhead`; Infinity: one pass).
 */
export function sequenceLoss(policy: Policy, b: SeqBatch, overhead = TRAIN_PASS_OVERHEAD): tf.Scalar {
  const rows = b.mask.map((m) => ({ left: 0, right: m.lastIndexOf(1) + 1 })); // right padding after that
  const sums = lengthChunks(rows, overhead).map(([s, e]) => {
    const T = Math.max(1, ...rows.slice(s, e).map((r) => r.right));
    // Logits from the first position any row of the pass is scored at (the shortest prompt's end).
    const from = Math.min(T - 1, ...b.mask.slice(s, e).map((m) => Math.max(0, m.indexOf(1))));
    const cut = (a: number[][], at = from) => a.slice(s, e).flatMap((row) => row.slice(at, T));
    const logits = policy.forward(tf.tensor2d(cut(b.tokens, 0), [e - s, T], "int32"), { from }).logits;
    const logp = logProbs(logits, tf.tensor2d(cut(b.targets), [e - s, T - from], "int32"));
    return tf.sum(logp.mul(tf.tensor2d(cut(b.mask), [e - s, T - from])));
  });
  const count = b.mask.reduce((n, m) => n + m.reduce((a, x) => a + x, 0), 0);
  return tf.neg(tf.addN(sums)).div(Math.max(count, 1)) as tf.Scalar;
}

/** Learning rate at `step`: linear warm-up, then cosine decay to `lr·minLrRatio`. */
export function learningRate(sft: SftConfig, step: number): number {
  if (step < sft.warmup) return (sft.lr * (step + 1)) / sft.warmup;
  const p = Math.min(1, (step - sft.warmup) / Math.max(1, sft.steps - sft.warmup));
  return sft.lr * (sft.minLrRatio + (1 - sft.minLrRatio) * 0.5 * (1 + Math.cos(Math.PI * p)));
}

/** One logged SFT step. */
export interface SftStep {
  step: number;
  loss: number;
  gradNorm: number;
  lr: number;
  /** Tokens processed (batch × padded length). */
  tokens: number;
}

/** Take SFT step `step` of `trainer`'s policy on the config's batch of that step. */
function sftStep(trainer: Trainer, splits: TaskSplits[], cfg: BenchConfig, seed: number, step: number): SftStep {
  const batch = sftBatch(splits, cfg.sft, seed, step);
  const lr = learningRate(cfg.sft, step);
  const r = trainer.step(() => sequenceLoss(trainer.policy, batch), lr);
  return { step, loss: r.loss, gradNorm: r.gradNorm, lr, tokens: batch.tokens.length * batch.tokens[0].length };
}

/** Train a fresh policy from `seed` on the config's teacher traces; `onStep` sees every step. */
export function trainBase(cfg: BenchConfig, seed: number, onStep?: (s: SftStep) => void): Policy {
  const policy = createPolicy(cfg.model, seed);
  const splits = trainSplits(cfg);
  const trainer = new Trainer(policy, cfg.sft.clip);
  try {
    for (let step = 0; step < cfg.sft.steps; step++) {
      const s = sftStep(trainer, splits, cfg, seed, step); // taken whether or not anyone watches
      onStep?.(s);
    }
  } finally {
    trainer.dispose();
  }
  return policy;
}

/**
 * The source files whose text can change a base model's weights: this module and every local module
 * it imports values from, transitively (type-only imports carry no code). Code the base model does
 * not run (the RL loop, baselines, metrics) stays out, so changing it keeps the cache.
 */
export function sourceFiles(): Promise<URL[]> {
  return localModules(new URL(import.meta.url));
}

/** The text of {@link sourceFiles}, each under its path relative to the project root. */
async function sourceText(): Promise<string> {
  const root = new URL("../../", import.meta.url).href;
  const files = await sourceFiles();
  const parts = await Promise.all(
    files.map(async (f) => `${f.href.slice(root.length)}\n${await Deno.readTextFile(f)}`),
  );
  return parts.join("\n");
}

/**
 * The cache key of a base model: SHA-256 of the suite (a task file's task by its content key), model
 * and SFT configs, the seed, the tokenizer id, the backend and the source of every module SFT runs
 * ({@link sourceFiles}).
 */
export async function baseModelKey(cfg: BenchConfig, seed: number, backend: string): Promise<string> {
  const what = { suite: cfg.suite, model: cfg.model, sft: cfg.sft, seed, tokenizer: TOKENIZER_ID, backend };
  return (await sha256(JSON.stringify(what) + (await sha256(await sourceText())))).slice(0, 16);
}

/** The cache folder of the base model of (config, seed) on `backend` under `cacheDir` ({@link baseModel}). */
export async function baseModelDir(cfg: BenchConfig, seed: number, cacheDir: string, backend: string): Promise<string> {
  return `${cacheDir}/base-${cfg.suite.name}-s${seed}-${await baseModelKey(cfg, seed, backend)}`;
}

/** A base model and where it lives. */
export interface BaseModel {
  policy: Policy;
  /** Its checkpoint folder. */
  dir: string;
  /** Whether it came from the cache. */
  cached: boolean;
  /** The SFT step a build went on from, when an interrupted build was resumed. */
  resumedFrom?: number;
}

/** SFT steps between the saved states of a base-model build (about half a minute of the default suite's). */
export const SFT_SAVE_EVERY = 100;

/**
 * The finished base model in `dir` (harness/model/checkpoint.ts), or null when none is there yet: a folder
 * is renamed into place whole ({@link moveIn}), so one with `model.json` is finished.
 */
async function loadFinished(dir: string, cfg: BenchConfig): Promise<Policy | null> {
  return (await exists(`${dir}/model.json`)) ? await loadCheckpoint(dir, cfg.model) : null;
}

/**
 * Remove `work`, the build folder of a base model finished in the cache beside it: a build killed after
 * it or another process moved the same model in, which never goes on (the finished model is loaded first).
 * Whether it was removed: one whose lock another process holds (a build under way) is left, and so is one
 * that cannot be locked or removed (a read-only cache).
 */
async function removeDeadBuild(work: string): Promise<boolean> {
  const lock = await lockFolder(work).catch(() => null);
  if (!lock) return false;
  try {
    return await removeAll(work).then(() => true, () => false);
  } finally {
    lock.close();
  }
}

/**
 * Make the build folder `work` and take its lock (harness/core/folder_lock.ts). A build of the same model that
 * finishes meanwhile removes the folder between the two: it is made again (twice at most).
 */
async function lockBuild(work: string): Promise<Deno.FsFile> {
  for (let tries = 1;; tries++) {
    await Deno.mkdir(work, { recursive: true });
    try {
      return await lockFolder(work, "pass another --cache");
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound) || tries === 3) throw e;
    }
  }
}

/**
 * Move the finished build in `work` (whose lock this process holds) into the cache as `dir`, so that a kill at
 * any moment leaves either `work` as it was, to go on from its saved state, or the finished model in `dir`: the
 * model's files are written to `<work>/model.tmp-<pid>/` (`sft.jsonl` copied, as the saved state counts it;
 * what a kill leaves of it is removed when the build goes on), which is renamed `dir`; only then is `work`,
 * saved state and all, removed. A finished model already in `dir` (moved in by another process) is never
 * replaced: it is kept, ours dropped, and false returned.
 */
async function moveIn(work: string, dir: string, policy: Policy, timings: string): Promise<boolean> {
  const ready = `${work}/model.tmp-${Deno.pid}`;
  await saveCheckpoint(ready, policy);
  await Deno.copyFile(`${work}/sft.jsonl`, `${ready}/sft.jsonl`);
  await writeAtomic(`${ready}/timings.json`, timings);
  const movedIn = await Deno.rename(ready, dir).then(() => true, async (e) => {
    // A rename replaces no folder that holds anything: a finished model there stays.
    if (await Deno.stat(`${dir}/model.json`).catch(() => null)) return false;
    if (!(await Deno.stat(dir).catch(() => null))) throw e;
    await removeAll(dir); // a folder without model.json: unfinished
    await Deno.rename(ready, dir);
    return true;
  });
  await removeAll(work);
  return movedIn;
}

/**
 * The base model of (config, seed) on `backend`: loaded from `cacheDir/base-<suite>-s<seed>-<key>`
 * when present, else trained and saved there (with `sft.jsonl`, and timings in `timings.json`).
 * Training happens in `<that folder>.partial/`, locked against a second builder (harness/core/folder_lock.ts),
 * with its state saved every `saveEvery` steps and when `onStep` throws {@link Stopped} (harness/loop/run_state.ts);
 * a build that was stopped or killed goes on from its last saved state and ends with the weights of one that never
 * stopped, once what a kill left there (a file's temporary name) is removed. Holding the lock, it looks in the cache
 * again, and loads a model another process finished meanwhile instead of building it too. The finished model is
 * renamed into place whole ({@link moveIn}), so the cache never holds half a model, a kill never leaves a build that
 * cannot go on, and a finished model is never replaced; a build folder found beside a finished one is removed. Each
 * removal is said to `onNote`.
 */
export async function baseModel(
  cfg: BenchConfig,
  seed: number,
  opts: {
    cacheDir: string;
    backend: string;
    /** Tasks loaded from files (see harness/suite.ts `trainSplits`). */
    tasks?: readonly TaskDef[];
    onStep?: (s: SftStep) => void;
    /** Shows a `note:` line (what a killed build left, removed; a damaged state that gave way to the one before). */
    onNote?: (line: string) => void;
    saveEvery?: number;
  },
): Promise<BaseModel> {
  const dir = await baseModelDir(cfg, seed, opts.cacheDir, opts.backend), work = `${dir}.partial`;
  const found = await loadFinished(dir, cfg);
  if (found) {
    if (await removeDeadBuild(work)) {
      opts.onNote?.(
        `note: removed ${work}, left by a build killed after the one in ${dir} finished (it never goes on)`,
      );
    }
    return { policy: found, dir, cached: true };
  }
  const every = opts.saveEvery ?? SFT_SAVE_EVERY;
  const lock = await lockBuild(work);
  try {
    // A process that finished this model since it was looked for above let go of this lock only once it was in.
    const raced = await loadFinished(dir, cfg);
    if (raced) {
      await removeAll(work); // made above to hold the lock: nothing else is in it
      return { policy: raced, dir, cached: true };
    }
    const left = await removeLeftovers(work);
    if (left.length) opts.onNote?.(`note: removed what a killed build left in ${work}: ${left.join(", ")}`);
    const restart = `delete ${work} to build the base model from the start`;
    const saved = await loadRunState(work, cfg.model, restart);
    if (saved?.note) opts.onNote?.(saved.note);
    const policy = saved?.policy ?? createPolicy(cfg.model, seed);
    const trainer = new Trainer(policy, cfg.sft.clip);
    const log = `${work}/sft.jsonl`, start = saved?.meta.step ?? 0, sums = new FileSums(work, ["sft.jsonl"]);
    if (saved) {
      trainer.importState(saved.optimizer);
      await truncateTo(work, saved.meta.files, saved.meta.sums, restart);
    } else await Deno.writeTextFile(log, "");
    const splits = trainSplits(cfg, opts.tasks), t0 = performance.now();
    let tokens = 0;
    try {
      for (let step = start; step < cfg.sft.steps; step++) {
        const s = sftStep(trainer, splits, cfg, seed, step);
        tokens += s.tokens;
        await Deno.writeTextFile(log, JSON.stringify(s) + "\n", { append: true });
        try {
          opts.onStep?.(s);
        } catch (e) {
          // Stopped at the end of this step (harness/core/stop.ts): the build goes on from here.
          if (e instanceof Stopped) await saveRunState(work, step + 1, policy, trainer, sums);
          throw e;
        }
        if ((step + 1) % every === 0 && step + 1 < cfg.sft.steps) {
          await saveRunState(work, step + 1, policy, trainer, sums);
        }
      }
    } finally {
      trainer.dispose();
    }
    const seconds = (performance.now() - t0) / 1000;
    const timings = { seconds, tokens, tokensPerSecond: tokens / seconds, fromStep: start };
    if (await moveIn(work, dir, policy, JSON.stringify(timings, null, 2) + "\n")) {
      return { policy, dir, cached: false, ...(saved ? { resumedFrom: start } : {}) };
    }
    policy.dispose();
    return { policy: await loadCheckpoint(dir, cfg.model), dir, cached: true };
  } finally {
    lock.close();
  }
}
