/**
 * Entropy-regularised GRPO, the paper's baseline: GRPO's advantages, and a bonus on the token-level
 * entropy of every response token of the (mini-)batch,
 *
 *     L = L_GRPO − β · Σ_t H_t·m_t / Σ_t m_t      (H the live entropy, m the response-token mask).
 *
 * The paper gives no β. The default 0.005 lies between verl's long-time default entropy_coeff 0.001
 * and the 0.01 of PPO's Atari runs: with std-normalised advantages of order 1 the bonus is small
 * next to the policy gradient on any token with a non-zero advantage, but it is the only gradient in
 * groups whose rewards are all equal, so it keeps pushing entropy up (the effect the paper reports)
 * without swamping the reward signal. Raise it (`--param entropy_reg.beta=0.02`) to make the effect
 * stronger.
 * @module
 */
import { tf } from "../harness/backend/backend.ts";
import { defineBaseline } from "../harness/credit/baseline.ts";
import { grpoAdvantages } from "../harness/credit/advantage.ts";
import { aggregate } from "../harness/update/aggregation.ts";

/** The entropy_reg baseline. */
export default defineBaseline({
  name: "entropy_reg",
  summary: "GRPO plus an entropy bonus −β·mean H over all response tokens",
  params: { beta: 0.005, stdNormalize: true },
  advantages: (ctx) => grpoAdvantages(ctx, ctx.params.stdNormalize),
  extraLoss: (ctx, live) => tf.tidy(() => aggregate(live.entropy, live.mask, "token-mean").mul(-ctx.params.beta)),
});
