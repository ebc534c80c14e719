/**
 * DAPO (Yu et al. 2025, "DAPO: An Open-Source LLM Reinforcement Learning System at Scale", arXiv
 * 2503.14476): GRPO with its four changes,
 *
 * - clip-higher, ε_low 0.2 and ε_high 0.28 (the harness's default loss at the run's clip);
 * - token-level normalisation (`token-mean`, the default aggregation);
 * - dynamic sampling: groups whose rewards are all equal are dropped before the update
 *   (`dropEqualRewards`; the step's line in `train.jsonl` logs the batch before and after);
 * - overlong reward shaping, added to the reward before the group advantage:
 *
 *       R'_i = R_i + c·p(|y_i|),   p(n) = 0 if n ≤ L − B,  (L − B − n)/B if L − B < n ≤ L,
 *
 *   L the longest response the task allows (`maxLength`), B = `overlongBuffer`·L the soft buffer, c the
 *   `overlongPenalty` (so a response cut off at L loses c). DAPO's buffer is 4,096 of 20,480 tokens:
 *   the default share 0.2 is the same; c = 1 is DAPO's.
 * @module
 */
import { defineBaseline, groupStats } from "../harness/credit/baseline.ts";
import { grpoAdvantages } from "../harness/credit/advantage.ts";
import { dropEqualRewards } from "../harness/credit/group_filter.ts";

/** DAPO's soft overlong penalty of a response of `n` tokens, `limit` the longest allowed, `buffer` its soft share. */
export function overlongPenalty(n: number, limit: number, buffer: number): number {
  const soft = limit - buffer * limit;
  return n <= soft ? 0 : Math.max(-1, (soft - n) / (buffer * limit));
}

/** The dapo baseline. */
export default defineBaseline({
  name: "dapo",
  summary: "GRPO with clip-higher, token-mean, dynamic sampling and the soft overlong penalty",
  params: { overlongBuffer: 0.2, overlongPenalty: 1, stdNormalize: true },
  ranges: { overlongBuffer: [0, 1], overlongPenalty: [0, 10] },
  groupFilter: dropEqualRewards,
  advantages(ctx) {
    const { overlongBuffer, overlongPenalty: c, stdNormalize } = ctx.params;
    const rollouts = ctx.rollouts.map((r) => ({
      ...r,
      reward: r.reward + c * overlongPenalty(r.tokens.length, r.maxLength, overlongBuffer),
    }));
    return grpoAdvantages({ rollouts, groups: groupStats(rollouts) }, stdNormalize);
  },
});
