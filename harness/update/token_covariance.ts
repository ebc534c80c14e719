/**
 * The per-token covariance of advantage and log-probability over a batch's response tokens (Cui et al.
 * 2025, "The Entropy Mechanism of Reinforcement Learning for Reasoning Language Models", arXiv
 * 2505.22617): `cov_t = (A_t − mean A)·(log π_t − mean log π)`, the means over the batch's response
 * tokens. Tokens of high covariance are those whose updates lower the policy's entropy most; Clip-Cov
 * and KL-Cov act on them.
 * @module
 */
import { tf } from "../backend/backend.ts";
import type { PolicyLossInput, Tensor2D } from "../credit/baseline.ts";

/** A response token of the batch: its flat index in the [rows, T] tensors and its covariance. */
export interface TokenCovariance {
  /** `row·T + t`. */
  at: number;
  /** `(A − mean A)·(log π − mean log π)`. */
  cov: number;
}

/** The covariance of every response token of `input` (the current log-probs, read without gradient), in flat order. */
export function tokenCovariances(input: Pick<PolicyLossInput, "advantages" | "logp" | "mask">): TokenCovariance[] {
  const [adv, logp, mask] = [input.advantages, input.logp, input.mask].map((t) => t.dataSync());
  const at = Array.from(mask).flatMap((m, i) => m > 0 ? [i] : []);
  const mean = (x: ArrayLike<number>) => at.reduce((s, i) => s + x[i], 0) / Math.max(1, at.length);
  const meanA = mean(adv), meanL = mean(logp);
  return at.map((i) => ({ at: i, cov: (adv[i] - meanA) * (logp[i] - meanL) }));
}

/** A 0/1 tensor of the shape of `like` [rows, T], 1 at the flat indices `at` (no gradient). */
export function indicator(at: readonly number[], like: Tensor2D): Tensor2D {
  const out = new Float32Array(like.size);
  for (const i of at) out[i] = 1;
  return tf.tensor2d(out, like.shape);
}
