/**
 * One RL run (a baseline and a seed, from a base model): per step, draw a seeded batch of training
 * prompts, sample G rollouts per prompt on the rollout engine (harness/rollout/engine.ts), score them
 * with the task verifiers, build the context the baseline sees, apply its group filter if it has one,
 * ask it for per-token advantages, and update the policy (harness/update/rl_update.ts). Every step
 * appends a {@link StepRecord} to `train.jsonl` and its rollouts to `rollouts.jsonl` (gzipped to
 * `rollouts.jsonl.gz` at the end); evaluations on the test splits go to `eval.jsonl`; wall times go
 * to `timings.jsonl` (kept apart so metric files compare byte for byte). The run state is saved every
 * `checkpointEvery` steps (harness/loop/run_state.ts), and a resumed run writes the same bytes as one
 * that never stopped. The final policy is also written as `policy.onnx` (weights inside).
 * @module
 */
import {
  type Baseline,
  baselineAdvantages,
  baselineContext,
  groupStats,
  type MaskSource,
  type ParamSpec,
  planningSource,
} from "../credit/baseline.ts";
import { filterGroups } from "../credit/group_filter.ts";
import type { BenchConfig, RlConfig } from "../config.ts";
import { evaluate } from "./evaluate.ts";
import type { Policy } from "../model/model.ts";
import type { EngineName, RolloutEngine } from "../rollout/engine.ts";
import { createEngine } from "../rollout/create_engine.ts";
import { policyOnnx, weightsOf } from "../model/onnx_export.ts";
import { NonFiniteError, Trainer } from "../model/optimizer.ts";
import { rng } from "../core/rng.ts";
import { type Rollout, sampleGroups, score, stepPrompts } from "../rollout/rollouts.ts";
import type { BaselineContext, GroupStats } from "../credit/baseline.ts";
import { updatePolicy, type UpdateStats } from "../update/rl_update.ts";
import type { EvalSplit, TaskSplits } from "../suite.ts";
import { FileSums, loadRunState, saveRunState, truncateTo } from "./run_state.ts";
import type { FilterRecord, FixedMask, StepRecord } from "../store/schema.ts";
import { METRIC_FILES, moveAsideCommand } from "../store/run_folder.ts";
import type { StrategicGrams } from "../masks/strategic_grams.ts";
import type { MaskMaker } from "../masks/planning_masks.ts";
import { rolloutRecords, stepRecord } from "./step_metrics.ts";
import type { Split } from "../metrics/token_stats.ts";
import { writeAtomic } from "../core/atomic.ts";
import { Stopped } from "../core/stop.ts";

/** Everything a run needs. */
export interface RunSpec {
  cfg: BenchConfig;
  baseline: Baseline;
  params: ParamSpec;
  seed: number;
  /** The policy to train, loaded from the base model (changed in place). */
  policy: Policy;
  /** The base policy: the KL to it is measured every step on an engine of its own (and penalised when `cfg.rl.klBeta > 0`). */
  ref?: Policy;
  /** The rollout engine that samples rollouts and evaluations (default `onnx`). */
  engine?: EngineName;
  splits: readonly TaskSplits[];
  masks: MaskMaker;
  /** The mined Strategic Grams (for `se_strategic`). */
  grams: StrategicGrams;
  /** Folder of the run's files (created). */
  dir: string;
  /** Continue from the state saved in `dir` when there is one (else start afresh). */
  resume?: boolean;
  /** The held-out split the run's evaluations use (default `test`; `validation` when tuning settings). */
  evalSplit?: EvalSplit;
  onStep?: (log: StepRecord) => void;
  /** Shows a `note:` line (a damaged checkpoint that gave way to the one saved before it). */
  onNote?: (line: string) => void;
}

/** A run stopped by a NaN or Inf: names the step and the last good checkpoint. */
export class RunFailedError extends Error {
  /** Wrap `cause`, raised at `step` of the run in `dir`. */
  constructor(dir: string, step: number, lastCheckpoint: string | null, cause: Error) {
    super(
      `${dir}: step ${step}: ${cause.message}. Metrics of the steps before it are in ${dir}/train.jsonl; ` +
        (lastCheckpoint ? `the last good weights are in ${lastCheckpoint}` : "no checkpoint was saved yet"),
    );
    this.name = "RunFailedError";
  }
}

/** Append JSON lines to a file. */
async function appendLines(path: string, values: readonly unknown[]): Promise<void> {
  await Deno.writeTextFile(path, values.map((v) => JSON.stringify(v) + "\n").join(""), { append: true });
}

/** The perplexity splits of the first line of `train.jsonl` (step 0), for a resumed run. */
async function firstPerplexity(path: string): Promise<Record<FixedMask, Split> | null> {
  const first = (await Deno.readTextFile(path)).split("\n")[0];
  if (!first) return null;
  const { masks } = JSON.parse(first) as StepRecord;
  return { oracle: masks.oracle.perplexity, mined: masks.mined.perplexity };
}

/** Gzip `rollouts.jsonl` to `rollouts.jsonl.gz` (atomically) and remove it; nothing to do when gone. */
async function packRollouts(dir: string): Promise<void> {
  const raw = `${dir}/rollouts.jsonl`;
  let file: Deno.FsFile;
  try {
    file = await Deno.open(raw);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  const gz = await new Response(file.readable.pipeThrough(new CompressionStream("gzip"))).bytes();
  await writeAtomic(`${raw}.gz`, gz);
  await Deno.remove(raw);
}

/** A step's rollouts: every one sampled, and those of the groups the update uses (renumbered from 0). */
interface StepRollouts {
  /** Every sampled rollout, in order, with `at` its index here. */
  all: (Rollout & { at: number })[];
  /** The rollouts of the groups the update uses, `group` renumbered 0, 1, …; `at` indexes `all`. */
  used: (Rollout & { at: number })[];
  /** Reward statistics of every sampled group. */
  groups: GroupStats[];
  /** Whether each of `all` is in `used`. */
  isUsed: boolean[];
}

/**
 * Which of a round's groups the update takes, in order, while `room` groups are still wanted: all of
 * them, or with `dropEqual` (dynamic sampling) only those whose rewards differ.
 * @example
 * ```ts
 * keptGroups([{ mean: 1, std: 0, size: 4 }, { mean: 0.5, std: 0.6, size: 4 }], 5, true); // [false, true]
 * ```
 */
export function keptGroups(stats: readonly GroupStats[], room: number, dropEqual: boolean): boolean[] {
  let left = room;
  return stats.map((g) => {
    if ((dropEqual && g.std === 0) || left <= 0) return false;
    left--;
    return true;
  });
}

/**
 * Sample a step's rollouts: `rl.prompts` prompts × `rl.group` from the step's streams. With dynamic
 * sampling on, groups whose rewards are all equal are dropped and further rounds of prompts (streams
 * of their own) are drawn, up to `rl.dynamicSampling` rounds in all, until `rl.prompts` groups differ;
 * of a round's groups that differ, those needed are taken in order.
 */
async function sampleStep(
  engine: RolloutEngine,
  splits: readonly TaskSplits[],
  rl: RlConfig,
  seed: number,
  step: number,
): Promise<StepRollouts> {
  const all: StepRollouts["all"] = [], used: StepRollouts["used"] = [], groups: GroupStats[] = [];
  let usedGroups = 0;
  for (let round = 0; round < Math.max(1, rl.dynamicSampling) && usedGroups < rl.prompts; round++) {
    const names = round === 0 ? [step] : [step, "round", round];
    const prompts = stepPrompts(splits, rl.prompts, rng(seed, "rl", "prompts", ...names));
    const scored = score(
      await sampleGroups(engine, prompts, rl.group, rl.temperature, rng(seed, "rl", "sample", ...names)),
    );
    const stats = groupStats(scored.map((r) => ({ group: r.group, reward: r.verdict.reward })));
    const keep = keptGroups(stats, rl.prompts - usedGroups, rl.dynamicSampling > 0);
    usedGroups += keep.filter((k) => k).length;
    for (const r of scored) {
      const row = { ...r, group: r.group + groups.length, at: all.length };
      all.push(row);
      if (keep[r.group]) used.push(row);
    }
    groups.push(...stats);
  }
  const renumber = new Map([...new Set(used.map((r) => r.group))].map((g, i) => [g, i]));
  const isUsed = all.map(() => false);
  for (const r of used) isUsed[r.at] = true;
  return { all, used: used.map((r) => ({ ...r, group: renumber.get(r.group)! })), groups, isUsed };
}

/** Where a run starts: its first step, the step-0 perplexities it is relative to, and its last saved state. */
interface RunStart {
  start: number;
  perplexity0: Record<FixedMask, Split> | null;
  /** The last checkpoint, for a failure's message (null before the first). */
  saved: string | null;
}

/**
 * Start the run in `spec.dir`: afresh, empty metric files; with `spec.resume` and a saved state, the
 * policy and optimiser restored and the metric files cut back to what they held at that state.
 */
async function openRun(spec: RunSpec, trainer: Trainer): Promise<RunStart> {
  const { dir, cfg, policy } = spec;
  const restart = `move the run aside with \`${
    moveAsideCommand(dir)
  }\`, then run the same command again to start it over`;
  const state = spec.resume ? await loadRunState(dir, cfg.model, restart) : null;
  if (!state) {
    for (const f of METRIC_FILES) await Deno.writeTextFile(`${dir}/${f}`, "");
    await Deno.remove(`${dir}/rollouts.jsonl.gz`).catch(() => {});
    return { start: 0, perplexity0: null, saved: null };
  }
  if (state.note) spec.onNote?.(state.note);
  policy.variables.forEach((v, i) => v.assign(state.policy.variables[i]));
  state.policy.dispose();
  trainer.importState(state.optimizer);
  const start = state.meta.step;
  const packed = start === cfg.rl.steps && !(await Deno.stat(`${dir}/rollouts.jsonl`).catch(() => null));
  const { ["rollouts.jsonl"]: _, ...others } = state.meta.files;
  await truncateTo(dir, packed ? others : state.meta.files, state.meta.sums, restart);
  return {
    start,
    perplexity0: start > 0 ? await firstPerplexity(`${dir}/train.jsonl`) : null,
    saved: `${dir}/checkpoint (after step ${start - 1})`,
  };
}

/**
 * The context the baseline sees for the rollouts the update uses, with the planning masks its
 * `planning` names (`source`): the fixed masks' when it names one of them, else made for these rollouts.
 * Every array is a copy: what a baseline does to its context never reaches what the harness trains on
 * or stores.
 */
function creditContext(
  spec: RunSpec,
  drawn: StepRollouts,
  fixed: Record<FixedMask, readonly Uint8Array[]>,
  source: MaskSource,
  step: number,
): BaselineContext {
  const { used } = drawn;
  const credit = source === "random" ? spec.masks("random", used, step) : used.map((r) => fixed[source][r.at]);
  return baselineContext(
    used.map((r, i) => ({
      group: r.group,
      task: r.task.name,
      reward: r.verdict.reward,
      tokens: r.tokens.slice(),
      maxLength: Math.min(r.task.maxResponseWords + 1, spec.cfg.model.context - r.prompt.length),
      oldLogProbs: r.logp.slice(),
      entropy: r.entropy.slice(),
      planning: credit[i].slice(),
      steps: structuredClone(r.verdict.steps),
    })),
    spec.params,
    rng(spec.seed, "rl", "baseline", step),
    step,
  );
}

/**
 * The baseline's group filter on the step's context: the filtered context, the step's rollouts with
 * only the kept ones used, and what the filter did to the batch.
 */
function applyFilter(baseline: Baseline, drawn: StepRollouts, ctx: BaselineContext) {
  const f = filterGroups(baseline, ctx);
  const used = f.kept.map((i, k) => ({ ...drawn.used[i], group: f.ctx.rollouts[k].group }));
  const isUsed = drawn.all.map(() => false);
  for (const r of used) isUsed[r.at] = true;
  const record: FilterRecord = {
    groupsIn: ctx.groups.length,
    groupsOut: f.ctx.groups.length,
    rolloutsIn: ctx.rollouts.length,
    rolloutsOut: f.ctx.rollouts.length,
  };
  return { drawn: { ...drawn, used, isUsed }, ctx: f.ctx, record };
}

/** An update that changed nothing: a step with no group left (dynamic sampling or the baseline's filter kept none). */
const NO_UPDATE: UpdateStats = { loss: 0, gradNorm: 0, clipFraction: 0, kl: NaN, updates: 0 };

/**
 * Run the RL loop in `spec.dir`, from its start (afresh, or from its saved state with `spec.resume`):
 * per step, sample, credit, update, then append the step's lines, evaluate when due and save the state
 * when due; at the end the rollouts are gzipped and the policy exported as `policy.onnx`.
 */
export async function runRl(spec: RunSpec): Promise<void> {
  const { cfg, baseline, params, seed, policy, dir } = spec;
  const rl = cfg.rl;
  await Deno.mkdir(dir, { recursive: true });
  const trainer = new Trainer(policy, rl.gradClip), sums = new FileSums(dir, METRIC_FILES);
  let engine: RolloutEngine | null = null, refEngine: RolloutEngine | undefined;
  try {
    let { start, perplexity0, saved } = await openRun(spec, trainer);
    engine = await createEngine(spec.engine ?? "onnx", policy);
    refEngine = spec.ref && await createEngine(spec.engine ?? "onnx", spec.ref);
    const source = planningSource(baseline, params);
    const maxLength = Math.max(...spec.splits.map((s) => s.task.maxResponseWords + 1));
    for (let step = start; step < rl.steps; step++) {
      try {
        const t0 = performance.now();
        let drawn = await sampleStep(engine, spec.splits, rl, seed, step);
        const t1 = performance.now();
        const fixed = { oracle: spec.masks("oracle", drawn.all, step), mined: spec.masks("mined", drawn.all, step) };
        let ctx = creditContext(spec, drawn, fixed, source, step), filter: FilterRecord | undefined;
        if (baseline.groupFilter) ({ drawn, ctx, record: filter } = applyFilter(baseline, drawn, ctx));
        const advantages = drawn.used.length ? baselineAdvantages(baseline, ctx) : [];
        const t2 = performance.now();
        const update = drawn.used.length
          ? await updatePolicy({
            trainer,
            baseline,
            ctx,
            rows: drawn.used,
            advantages,
            cfg: { ...rl, maxLength },
            rng: rng(seed, "rl", "minibatch", step),
            ref: refEngine,
          })
          : NO_UPDATE;
        await engine.refresh();
        const t3 = performance.now();
        const log = stepRecord({
          step,
          rollouts: drawn.all,
          masks: fixed,
          groups: drawn.groups,
          groupsUsed: ctx.groups.length,
          filter,
          update,
          splits: spec.splits,
          grams: spec.grams,
          perplexity0,
        });
        await appendLines(`${dir}/train.jsonl`, [log]);
        await appendLines(`${dir}/rollouts.jsonl`, rolloutRecords(step, drawn.all, fixed.oracle, drawn.isUsed));
        perplexity0 ??= { oracle: log.masks.oracle.perplexity, mined: log.masks.mined.perplexity };
        const done = step + 1;
        if (done % rl.evalEvery === 0 || done === rl.steps) {
          const evals = await evaluate(engine, spec.splits, cfg.eval, seed, undefined, spec.evalSplit);
          await appendLines(`${dir}/eval.jsonl`, [{ step: done, evals }]);
        }
        const t4 = performance.now();
        await appendLines(`${dir}/timings.jsonl`, [{
          step,
          rolloutSeconds: (t1 - t0) / 1000,
          scoringSeconds: (t2 - t1) / 1000, // verifiers, planning masks and advantages
          updateSeconds: (t3 - t2) / 1000,
          evalSeconds: (t4 - t3) / 1000, // metrics, files and the evaluation when one is due
        }]);
        const due = done % rl.checkpointEvery === 0 || done === rl.steps;
        if (due) {
          await saveRunState(dir, done, policy, trainer, sums);
          saved = `${dir}/checkpoint (after step ${step})`;
        }
        try {
          spec.onStep?.(log);
        } catch (e) {
          // Stopped at the end of this step (harness/core/stop.ts): the run goes on from here, not its last checkpoint.
          if (e instanceof Stopped && !due) await saveRunState(dir, done, policy, trainer, sums);
          throw e;
        }
      } catch (e) {
        if (e instanceof NonFiniteError) throw new RunFailedError(dir, step, saved, e);
        throw e;
      }
    }
    await packRollouts(dir);
    await writeAtomic(`${dir}/policy.onnx`, policyOnnx(policy.config, weightsOf(policy)));
  } finally {
    await engine?.dispose();
    await refEngine?.dispose();
    trainer.dispose();
  }
}
