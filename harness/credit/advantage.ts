/**
 * Group-relative advantages (GRPO): each rollout's reward minus its prompt group's mean reward,
 * optionally divided by the group's standard deviation, the same value on every response token.
 *
 * `A_i = (R_i − mean_g) / (std_g + ε)` with std division, `A_i = R_i − mean_g` without; ε = 1e-6
 * (verl's value) keeps a group whose rewards barely differ finite. A group whose rewards are all
 * equal gives exactly 0 to each of its rollouts, with or without std division.
 * @module
 */
import type { BaselineContext, GroupStats, RolloutContext } from "./baseline.ts";

/** The ε added to the group std before dividing. */
export const STD_EPS = 1e-6;

/**
 * Reward statistics of every prompt group, indexed by {@link RolloutContext.group}. Groups must be
 * numbered 0..n−1 with no empty group. The std is the sample std (divisor G − 1, as torch.std in TRL
 * and verl); a group of one, or of equal rewards, has std 0 and its mean equal to every reward.
 */
export function groupStats(rollouts: readonly Pick<RolloutContext, "group" | "reward">[]): GroupStats[] {
  const rewards: number[][] = [];
  rollouts.forEach((r, i) => {
    if (!Number.isInteger(r.group) || r.group < 0) {
      throw new RangeError(`rollout ${i}: group ${r.group} is not an index`);
    }
    if (!Number.isFinite(r.reward)) throw new RangeError(`rollout ${i}: reward ${r.reward} is not finite`);
    (rewards[r.group] ??= []).push(r.reward);
  });
  return Array.from(rewards, (rs, g) => {
    if (!rs) throw new RangeError(`group ${g} has no rollouts (groups must be numbered 0..n-1)`);
    if (rs.every((x) => x === rs[0])) return { mean: rs[0], std: 0, size: rs.length };
    const mean = rs.reduce((a, b) => a + b, 0) / rs.length;
    const ss = rs.reduce((a, b) => a + (b - mean) ** 2, 0);
    return { mean, std: Math.sqrt(ss / (rs.length - 1)), size: rs.length };
  });
}

/** One advantage per rollout: `R − mean` of its group, divided by `std + ε` when `stdNormalize`. */
export function groupAdvantages(ctx: Pick<BaselineContext, "rollouts" | "groups">, stdNormalize: boolean): number[] {
  return ctx.rollouts.map((r) => {
    const g = ctx.groups[r.group];
    const centred = r.reward - g.mean;
    return stdNormalize ? centred / (g.std + STD_EPS) : centred;
  });
}

/** Broadcast one advantage per rollout to every token of its response. */
export function broadcastToTokens(values: readonly number[], rollouts: readonly RolloutContext[]): Float32Array[] {
  return rollouts.map((r, i) => new Float32Array(r.tokens.length).fill(values[i]));
}

/** GRPO's per-token advantages: {@link groupAdvantages} broadcast to tokens. */
export function grpoAdvantages(
  ctx: Pick<BaselineContext, "rollouts" | "groups">,
  stdNormalize: boolean,
): Float32Array[] {
  return broadcastToTokens(groupAdvantages(ctx, stdNormalize), ctx.rollouts);
}
