/**
 * One RL run (a baseline and a seed, from a base model): per step, draw a seeded batch of training
 * prompts, sample G rollouts per prompt on the rollout engine (harness/engine.ts), score them with the task verifiers, build the context the
 * baseline sees, ask it for per-token advantages, and update the policy (harness/rl_update.ts). Every
 * step appends a {@link StepRecord} to `train.jsonl` and its rollouts to `rollouts.jsonl` (gzipped to
 * `rollouts.jsonl.gz` at the end); evaluations on the test splits go to `eval.jsonl`; wall times go
 * to `timings.jsonl` (kept apart so metric files compare byte for byte). The run state is saved every
 * `checkpointEvery` steps (harness/run_state.ts), and a resumed run writes the same bytes as one
 * that never stopped. The final policy is also written as `policy.onnx` (weights inside).
 * @module
 */
import { type Baseline, baselineAdvantages, baselineContext, type MaskSource, type ParamSpec } from "./baseline.ts";
import type { BenchConfig } from "./config.ts";
import { evaluate } from "./evaluate.ts";
import type { Policy } from "./model.ts";
import { createEngine, type EngineName, type RolloutEngine } from "./engine.ts";
import { policyOnnx, weightsOf } from "./onnx_export.ts";
import { NonFiniteError, Trainer } from "./optimizer.ts";
import { rng } from "./rng.ts";
import { type Rollout, sampleGroups, score, stepPrompts } from "./rollouts.ts";
import { updatePolicy } from "./rl_update.ts";
import type { TaskSplits } from "./suite.ts";
import { loadRunState, saveRunState, truncateTo } from "./run_state.ts";
import type { StepRecord } from "./store.ts";
import type { StrategicGrams } from "./strategic_grams.ts";
import { rolloutRecords, stepRecord } from "./step_metrics.ts";
import type { Split } from "./metrics/token_stats.ts";
import { writeAtomic } from "./atomic.ts";

/** Settings of the RL loop. */
export interface RlConfig {
  /** Training steps. */
  steps: number;
  /** Prompts per step (the tasks in turn). */
  prompts: number;
  /** Rollouts per prompt (G). */
  group: number;
  /** Sampling temperature of the rollouts. */
  temperature: number;
  /** Adam learning rate. */
  lr: number;
  /** Passes over each step's rollouts. */
  epochs: number;
  /** Rollouts per optimisation step. */
  miniBatch: number;
  /** ε_low, ε_high of the ratio clip (clip-higher). */
  clipLow: number;
  clipHigh: number;
  /** Weight of the KL to the base model (0: none, the default as in DAPO and the paper). */
  klBeta: number;
  /** Global gradient-norm clip. */
  gradClip: number;
  /** Evaluate on the test splits every this many steps (and after the last). */
  evalEvery: number;
  /** Save the weights every this many steps. */
  checkpointEvery: number;
}

/** Makes the planning-token mask of every rollout of a step from a mask source. */
export type MaskMaker = (source: MaskSource, rollouts: readonly Rollout[], step: number) => Uint8Array[];

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
  onStep?: (log: StepRecord) => void;
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

/** The metric files of a run, cut back to their saved lengths on resume. */
const METRIC_FILES = ["train.jsonl", "eval.jsonl", "timings.jsonl", "rollouts.jsonl"];

/** Append JSON lines to a file. */
async function appendLines(path: string, values: readonly unknown[]): Promise<void> {
  await Deno.writeTextFile(path, values.map((v) => JSON.stringify(v) + "\n").join(""), { append: true });
}

/** The perplexity split of the first line of `train.jsonl` (step 0), for a resumed run. */
async function firstPerplexity(path: string): Promise<Split | null> {
  const first = (await Deno.readTextFile(path)).split("\n")[0];
  return first ? (JSON.parse(first) as StepRecord).perplexity : null;
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

/**
 * Run the RL loop in `spec.dir`. Afresh, the metric files are started empty; with `spec.resume` and
 * a saved state there, the policy and optimiser are restored, the metric files cut back to what
 * they held at that state, and the loop goes on from its step.
 */
export async function runRl(spec: RunSpec): Promise<void> {
  const { cfg, baseline, params, seed, policy, dir } = spec;
  const rl = cfg.rl;
  await Deno.mkdir(dir, { recursive: true });
  const trainer = new Trainer(policy, rl.gradClip);
  let engine: RolloutEngine | null = null, refEngine: RolloutEngine | undefined;
  try {
    let start = 0, perplexity0: Split | null = null, saved: string | null = null;
    const state = spec.resume ? await loadRunState(dir, cfg.model) : null;
    if (state) {
      policy.variables.forEach((v, i) => v.assign(state.policy.variables[i]));
      state.policy.dispose();
      trainer.importState(state.optimizer);
      const packed = state.meta.step === rl.steps && !(await Deno.stat(`${dir}/rollouts.jsonl`).catch(() => null));
      const { ["rollouts.jsonl"]: _, ...others } = state.meta.files;
      await truncateTo(dir, packed ? others : state.meta.files);
      start = state.meta.step;
      saved = `${dir}/checkpoint (after step ${start - 1})`;
      perplexity0 = start > 0 ? await firstPerplexity(`${dir}/train.jsonl`) : null;
    } else {
      for (const f of METRIC_FILES) await Deno.writeTextFile(`${dir}/${f}`, "");
      await Deno.remove(`${dir}/rollouts.jsonl.gz`).catch(() => {});
    }
    engine = await createEngine(spec.engine ?? "onnx", policy);
    refEngine = spec.ref && await createEngine(spec.engine ?? "onnx", spec.ref);
    const source = (typeof params.mask === "string" ? params.mask : "oracle") as MaskSource;
    const maxLength = Math.max(...spec.splits.map((s) => s.task.maxResponseWords + 1));
    for (let step = start; step < rl.steps; step++) {
      try {
        const t0 = performance.now();
        const prompts = stepPrompts(spec.splits, rl.prompts, rng(seed, "rl", "prompts", step));
        const sampled = await sampleGroups(engine, prompts, rl.group, rl.temperature, rng(seed, "rl", "sample", step));
        const t1 = performance.now();
        const batch = score(sampled);
        const planning = spec.masks(source, batch, step);
        const ctx = baselineContext(
          batch.map((r, i) => ({
            group: r.group,
            task: r.task.name,
            reward: r.verdict.reward,
            tokens: r.tokens,
            oldLogProbs: r.logp,
            entropy: r.entropy,
            planning: planning[i],
            steps: r.verdict.steps,
          })),
          params,
          rng(seed, "rl", "baseline", step),
        );
        const advantages = baselineAdvantages(baseline, ctx);
        const t2 = performance.now();
        const update = await updatePolicy(
          trainer,
          baseline,
          ctx,
          batch,
          advantages,
          { ...rl, maxLength },
          rng(seed, "rl", "minibatch", step),
          refEngine,
        );
        await engine.refresh();
        const t3 = performance.now();
        const log = stepRecord({
          step,
          rollouts: batch,
          planning,
          groups: ctx.groups,
          update,
          splits: spec.splits,
          grams: spec.grams,
          perplexity0,
        });
        perplexity0 ??= log.perplexity;
        await appendLines(`${dir}/train.jsonl`, [log]);
        await appendLines(`${dir}/rollouts.jsonl`, rolloutRecords(step, batch, planning));
        const done = step + 1;
        if (done % rl.evalEvery === 0 || done === rl.steps) {
          await appendLines(`${dir}/eval.jsonl`, [{
            step: done,
            evals: await evaluate(engine, spec.splits, cfg.eval, seed),
          }]);
        }
        const t4 = performance.now();
        await appendLines(`${dir}/timings.jsonl`, [{
          step,
          rolloutSeconds: (t1 - t0) / 1000,
          scoringSeconds: (t2 - t1) / 1000, // verifiers, planning masks and advantages
          updateSeconds: (t3 - t2) / 1000,
          evalSeconds: (t4 - t3) / 1000, // metrics, files and the evaluation when one is due
        }]);
        if (done % rl.checkpointEvery === 0 || done === rl.steps) {
          await saveRunState(dir, done, policy, trainer, METRIC_FILES);
          saved = `${dir}/checkpoint (after step ${step})`;
        }
        spec.onStep?.(log);
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
