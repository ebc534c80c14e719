/**
 * The metrics of one RL step (a line of `train.jsonl`, {@link StepRecord}) and its rollouts as
 * stored in `rollouts.jsonl.gz` ({@link RolloutRecord}), computed from the step's scored rollouts,
 * their planning masks and the update's figures by the pure functions of harness/metrics/.
 * @module
 */
import type { GroupStats } from "./baseline.ts";
import type { Rollout } from "./rollouts.ts";
import type { UpdateStats } from "./rl_update.ts";
import type { RolloutRecord, StepRecord } from "./store.ts";
import type { StrategicGrams } from "./strategic_grams.ts";
import type { TaskSplits } from "./suite.ts";
import { mean } from "./metrics/stats.ts";
import { lengthStats } from "./metrics/length.ts";
import { entropySplit, forkOverlap, perplexitySplit, relativeSplit, type Split } from "./metrics/token_stats.ts";
import { seStrategic } from "./metrics/semantic_entropy.ts";
import { ahaSummary } from "./metrics/aha.ts";
import { planningShare } from "./planning.ts";

/** What one step produced. */
export interface StepOutcome {
  step: number;
  rollouts: readonly Rollout[];
  /** Planning mask of each rollout (the baseline's mask source). */
  planning: readonly Uint8Array[];
  groups: readonly GroupStats[];
  update: UpdateStats;
  splits: readonly TaskSplits[];
  /** The mined list, for `se_strategic`. */
  grams: StrategicGrams;
  /** The perplexity split of step 0 (null at step 0 itself: the step is its own reference). */
  perplexity0: Split | null;
}

/** The {@link StepRecord} of a step. */
export function stepRecord(o: StepOutcome): StepRecord {
  const { rollouts: batch, planning } = o;
  const entropies = batch.map((r) => r.entropy), logps = batch.map((r) => r.logp);
  const perplexity = perplexitySplit(logps, planning);
  return {
    step: o.step,
    reward: mean(batch.map((r) => r.verdict.reward)),
    rewardByTask: Object.fromEntries(
      o.splits.map((sp) => [sp.task.name, mean(batch.filter((r) => r.task === sp.task).map((r) => r.verdict.reward))]),
    ),
    accuracy: mean(batch.map((r) => (r.verdict.correct ? 1 : 0))),
    wellFormed: mean(batch.map((r) => (r.verdict.wellFormed ? 1 : 0))),
    fracRewardZeroStd: mean(o.groups.map((g) => (g.std === 0 ? 1 : 0))),
    length: lengthStats(batch.map((r) => r.tokens.length), batch.map((r) => !r.finished)),
    entropy: entropySplit(entropies, planning),
    perplexity,
    relPerplexity: relativeSplit(perplexity, o.perplexity0 ?? perplexity),
    seStrategic: seStrategic(o.grams, batch.map((r) => r.tokens)),
    planningShare: planningShare(planning),
    forkOverlap: forkOverlap(entropies, planning),
    aha: ahaSummary(batch).frequency,
    loss: o.update.loss,
    gradNorm: o.update.gradNorm,
    clipFraction: o.update.clipFraction,
    kl: o.update.kl,
  };
}

/** The {@link RolloutRecord}s of a step. */
export function rolloutRecords(step: number, batch: readonly Rollout[], planning: readonly Uint8Array[]) {
  return batch.map((r, i): RolloutRecord => ({
    step,
    group: r.group,
    task: r.task.name,
    problem: r.index,
    tokens: r.tokens,
    reward: r.verdict.reward,
    correct: r.verdict.correct,
    finished: r.finished,
    logp: Array.from(r.logp),
    entropy: Array.from(r.entropy),
    planning: Array.from(planning[i]),
  }));
}
