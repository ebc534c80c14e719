/**
 * High-entropy minority tokens (Wang et al. 2025, "Beyond the 80/20 Rule"): GRPO's advantage only on
 * the forking tokens, the ⌈share·N⌉ response tokens of the batch with the highest entropy (N all
 * response tokens of the batch); every other token gets 0, so no gradient. Ties are broken
 * deterministically: among equal entropies the earlier rollout, then the earlier token, is chosen.
 * @module
 */
import { defineBaseline } from "../harness/credit/baseline.ts";
import { grpoAdvantages } from "../harness/credit/advantage.ts";

/** The fork_tokens baseline. */
export default defineBaseline({
  name: "fork_tokens",
  summary: "GRPO advantage on the top 20% highest-entropy response tokens of the batch, 0 elsewhere",
  params: { share: 0.2, stdNormalize: true },
  advantages(ctx) {
    const { share, stdNormalize } = ctx.params;
    if (!(share >= 0 && share <= 1)) {
      throw new RangeError(`baseline fork_tokens: share must be in [0, 1], got ${share}`);
    }
    const adv = grpoAdvantages(ctx, stdNormalize);
    const all = ctx.rollouts.flatMap((r, i) => Array.from(r.entropy, (h, t) => ({ h, i, t })));
    all.sort((a, b) => b.h - a.h || a.i - b.i || a.t - b.t);
    const keep = Math.ceil(share * all.length - 1e-9);
    for (const { i, t } of all.slice(keep)) adv[i][t] = 0;
    return adv;
  },
});
