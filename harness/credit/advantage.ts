/**
 * Group-relative advantages (GRPO): each rollout's reward minus its prompt group's mean reward,
 * optionally divided by the group's standard deviation, the same value on every response token.
 *
 * `A_i = (R_i − mean_g) / (std_g + ε)` with std division, `A_i = R_i − mean_g` without; ε = 1e-6
 * (verl's value) keeps a group whose rewards barely differ finite. A group whose rewards are all
 * equal gives exactly 0 to each of its rollouts, with or without std division.
 * @module
 */
import type { BaselineContext, RolloutContext } from "./baseline.ts";

/** The ε added to the group std before dividing. */
export const STD_EPS = 1e-6;

/**
 * One advantage per rollout: `R − mean` of its group, divided by `std + ε` when `stdNormalize`.
 *
 * @example A sequence-level advantage, then a per-token weighting of one's own
 * ```ts
 * import { type BaselineContext, groupAdvantages } from "@credit-bench/credit-bench";
 *
 * const weighted = (ctx: BaselineContext) =>
 *   groupAdvantages(ctx, true).map((a, i) => Float32Array.from(ctx.rollouts[i].entropy, (h) => a * (1 + h)));
 * ```
 */
export function groupAdvantages(ctx: Pick<BaselineContext, "rollouts" | "groups">, stdNormalize: boolean): number[] {
  return ctx.rollouts.map((r, i) => {
    const g = ctx.groups[r.group];
    if (!g) throw new RangeError(`rollout ${i} is in group ${r.group}, which ctx.groups (${ctx.groups.length}) lacks`);
    const centred = r.reward - g.mean;
    return stdNormalize ? centred / (g.std + STD_EPS) : centred;
  });
}

/**
 * Broadcast one advantage per rollout to every token of its response (a RangeError unless there is
 * one value per rollout).
 *
 * @example Advantages that are the reward minus 0.5
 * ```ts
 * import { type BaselineContext, broadcastToTokens } from "@credit-bench/credit-bench";
 *
 * const centred = (ctx: BaselineContext) => broadcastToTokens(ctx.rollouts.map((r) => r.reward - 0.5), ctx.rollouts);
 * ```
 */
export function broadcastToTokens(values: readonly number[], rollouts: readonly RolloutContext[]): Float32Array[] {
  if (values.length !== rollouts.length) {
    throw new RangeError(`broadcastToTokens: ${values.length} values for ${rollouts.length} rollouts; give one each`);
  }
  return rollouts.map((r, i) => new Float32Array(r.tokens.length).fill(values[i]));
}

/**
 * GRPO's per-token advantages: {@link groupAdvantages} broadcast to tokens.
 *
 * @example
 * ```ts
 * import { defineBaseline, grpoAdvantages } from "@credit-bench/credit-bench";
 *
 * export default defineBaseline({
 *   name: "my_grpo",
 *   summary: "GRPO without std normalisation",
 *   params: {},
 *   advantages: (ctx) => grpoAdvantages(ctx, false),
 * });
 * ```
 */
export function grpoAdvantages(
  ctx: Pick<BaselineContext, "rollouts" | "groups">,
  stdNormalize: boolean,
): Float32Array[] {
  return broadcastToTokens(groupAdvantages(ctx, stdNormalize), ctx.rollouts);
}
