/**
 * The metrics of one RL step (a line of `train.jsonl`, {@link StepRecord}) and its rollouts as
 * stored in `rollouts.jsonl.gz` ({@link RolloutRecord}), computed from the step's scored rollouts,
 * their planning masks and the update's figures by the pure functions of harness/metrics/.
 * @module
 */
import type { GroupStats } from "../credit/baseline.ts";
import type { Rollout } from "../rollout/rollouts.ts";
import type { UpdateStats } from "../update/rl_update.ts";
import type { FilterRecord, FixedMask, MaskStats, RolloutRecord, StepRecord } from "../store/schema.ts";
import type { StrategicGrams } from "../masks/strategic_grams.ts";
import type { TaskSplits } from "../suite.ts";
import { mean } from "../metrics/stats.ts";
import { lengthStats } from "../metrics/length.ts";
import {
  entropySplit,
  forkOverlap,
  maskAgreement,
  perplexitySplit,
  relativeSplit,
  type Split,
} from "../metrics/token_stats.ts";
import { seStrategic } from "../metrics/semantic_entropy.ts";
import { ahaSummary } from "../metrics/aha.ts";
import { planningShare } from "../masks/planning.ts";

/** What one step produced. */
export interface StepOutcome {
  step: number;
  /** Every rollout sampled this step (with dynamic sampling, also those of the groups it dropped). */
  rollouts: readonly Rollout[];
  /** The fixed planning masks of each rollout: the same for every method. */
  masks: Readonly<Record<FixedMask, readonly Uint8Array[]>>;
  /** Reward statistics of every sampled group. */
  groups: readonly GroupStats[];
  /** Prompt groups the update used. */
  groupsUsed: number;
  /** What the baseline's group filter did to the batch (undefined: it has none). */
  filter?: FilterRecord;
  update: UpdateStats;
  splits: readonly TaskSplits[];
  /** The mined list, for `se_strategic`. */
  grams: StrategicGrams;
  /** The perplexity splits of step 0 (null at step 0 itself: the step is its own reference). */
  perplexity0: Readonly<Record<FixedMask, Split>> | null;
}

/** Token statistics of a batch under one planning mask, relative to `perplexity0` (its own when null). */
function maskStats(batch: readonly Rollout[], planning: readonly Uint8Array[], perplexity0: Split | null): MaskStats {
  const entropies = batch.map((r) => r.entropy);
  const perplexity = perplexitySplit(batch.map((r) => r.logp), planning);
  return {
    entropy: entropySplit(entropies, planning),
    perplexity,
    relPerplexity: relativeSplit(perplexity, perplexity0 ?? perplexity),
    planningShare: planningShare(planning),
    forkOverlap: forkOverlap(entropies, planning),
  };
}

/** The {@link StepRecord} of a step. */
export function stepRecord(o: StepOutcome): StepRecord {
  const { rollouts: batch, masks } = o;
  const stats = (m: FixedMask) => maskStats(batch, masks[m], o.perplexity0?.[m] ?? null);
  return {
    step: o.step,
    reward: mean(batch.map((r) => r.verdict.reward)),
    rewardByTask: Object.fromEntries(
      o.splits.map((sp) => [sp.task.name, mean(batch.filter((r) => r.task === sp.task).map((r) => r.verdict.reward))]),
    ),
    accuracy: mean(batch.map((r) => (r.verdict.correct ? 1 : 0))),
    wellFormed: mean(batch.map((r) => (r.verdict.wellFormed ? 1 : 0))),
    fracRewardZeroStd: mean(o.groups.map((g) => (g.std === 0 ? 1 : 0))),
    groupsSampled: o.groups.length,
    groupsUsed: o.groupsUsed,
    length: lengthStats(batch.map((r) => r.tokens.length), batch.map((r) => !r.finished)),
    masks: { oracle: stats("oracle"), mined: stats("mined") },
    minedVsOracle: maskAgreement(masks.mined, masks.oracle),
    seStrategic: seStrategic(o.grams, batch.map((r) => r.tokens)),
    aha: ahaSummary(batch).frequency,
    loss: o.update.loss,
    gradNorm: o.update.gradNorm,
    clipFraction: o.update.clipFraction,
    kl: o.update.kl,
    ...(o.filter && { groupFilter: o.filter }),
  };
}

/** The {@link RolloutRecord}s of a step: every rollout sampled, its oracle mask, whether the update used it. */
export function rolloutRecords(
  step: number,
  batch: readonly Rollout[],
  oracle: readonly Uint8Array[],
  used: readonly boolean[],
) {
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
    planning: Array.from(oracle[i]),
    used: used[i],
  }));
}
