/**
 * MaxRL: the group's reward gap relative to its mean reward, the same on every token,
 *
 *     A_i = (R_i − mean_j R_j) / (mean_j R_j + ε),      ε = 1e-6,
 *
 * as used by the retrain and textpolicy projects. With 0/1 rewards and a group success rate p, a
 * success gets (1 − p)/p and a failure −1: the rarer the success, the larger its push. A group whose
 * rewards are all equal gets exactly 0 (an all-zero group too: 0/ε). Rewards are assumed ≥ 0.
 * @module
 */
import { defineBaseline } from "../harness/credit/baseline.ts";
import { broadcastToTokens, STD_EPS } from "../harness/credit/advantage.ts";

/** The maxrl baseline. */
export default defineBaseline({
  name: "maxrl",
  summary: "group advantage (R − mean) / (mean + ε), the same on every token",
  params: {},
  advantages(ctx) {
    const gaps = ctx.rollouts.map((r) => {
      const { mean } = ctx.groups[r.group];
      return (r.reward - mean) / (mean + STD_EPS);
    });
    return broadcastToTokens(gaps, ctx.rollouts);
  },
});
