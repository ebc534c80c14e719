/**
 * Token-level dynamics of a step's rollouts, split by the planning-token mask: token entropy, relative
 * perplexity and fork-token overlap. Inputs are per response and per response token, as a `Rollout`
 * and its mask carry them: `entropy` (nats, of the full next-token distribution), `logp` (the sampled
 * token's log-probability) and a planning mask (non-zero: planning token). As in the paper, every
 * token that is not a planning token is an execution token (EOS and answer tokens included), and
 * "all" means every response token. Figures pool the tokens of the whole batch (a token-level mean,
 * as `StepLog.entropy`), not a mean of per-response means. The planning-token share is
 * `planningShare` of harness/masks/planning.ts.
 * @module
 */
import { checkValues, ratio } from "./stats.ts";

/**
 * A figure over all tokens and split into planning and execution tokens.
 *
 * @example
 * ```ts
 * import { entropySplit, type Split } from "@credit-bench/credit-bench/metrics";
 *
 * const h: Split = entropySplit([Float32Array.of(2, 0.5, 0.5)], [Uint8Array.of(1, 0, 0)]);
 * console.log(h.planning / h.execution); // 4: here the planning token is the uncertain one
 * ```
 */
export interface Split {
  /** Over every response token. */
  all: number;
  /** Over the planning tokens. */
  planning: number;
  /** Over the execution tokens (every token that is not a planning token). */
  execution: number;
}

/** Sum and count of a per-token value over all, planning and execution tokens. */
function pooled(values: readonly ArrayLike<number>[], masks: readonly ArrayLike<number>[]) {
  const sum = { all: 0, planning: 0, execution: 0 }, n = { all: 0, planning: 0, execution: 0 };
  if (values.length !== masks.length) {
    throw new RangeError(`${values.length} responses of values but ${masks.length} masks; give one mask per response`);
  }
  values.forEach((vs, r) => {
    if (vs.length !== masks[r]?.length) {
      throw new RangeError(`response ${r}: ${vs.length} values but a mask of ${masks[r]?.length ?? "no"} tokens`);
    }
    checkValues(`response ${r}`, vs, "number");
    for (let t = 0; t < vs.length; t++) {
      const kind = masks[r][t] ? "planning" : "execution";
      sum.all += vs[t];
      sum[kind] += vs[t];
      n.all++;
      n[kind]++;
    }
  });
  return { sum, n };
}

/**
 * Mean token entropy over all, planning and execution tokens of a batch: Σ H_t / #tokens over the
 * tokens of each kind, pooled over responses. A kind with no token gives 0. `entropies[r]` and
 * `masks[r]` must have the same length (else a RangeError).
 *
 * @example
 * ```ts
 * import { entropySplit } from "@credit-bench/credit-bench/metrics";
 *
 * entropySplit([[1, 3], [2]], [[1, 0], [0]]); // { all: 2, planning: 1, execution: 2.5 }
 * ```
 */
export function entropySplit(entropies: readonly ArrayLike<number>[], masks: readonly ArrayLike<number>[]): Split {
  const { sum, n } = pooled(entropies, masks);
  return {
    all: ratio(sum.all, n.all),
    planning: ratio(sum.planning, n.planning),
    execution: ratio(sum.execution, n.execution),
  };
}

/**
 * Perplexity exp(mean NLL) with NLL_t = −logp_t, over all, planning and execution tokens of a batch
 * (pooled over responses). A kind with no token gives NaN, not 0 or 1: a perplexity is at least 1 and
 * any number would read as a measurement (NaN is written as null in JSON).
 *
 * @example
 * ```ts
 * import { perplexitySplit } from "@credit-bench/credit-bench/metrics";
 *
 * perplexitySplit([[Math.log(0.5), Math.log(0.5)]], [[1, 1]]); // { all: 2, planning: 2, execution: NaN }
 * ```
 */
export function perplexitySplit(logps: readonly ArrayLike<number>[], masks: readonly ArrayLike<number>[]): Split {
  const { sum, n } = pooled(logps, masks);
  const ppl = (s: number, c: number) => (c ? Math.exp(-s / c) : NaN);
  return {
    all: ppl(sum.all, n.all),
    planning: ppl(sum.planning, n.planning),
    execution: ppl(sum.execution, n.execution),
  };
}

/**
 * Relative perplexity (or any figure relative to its step-0 value): `value / base`; NaN when `base`
 * is not a positive finite number or `value` is NaN.
 *
 * @example
 * ```ts
 * import { relativeTo } from "@credit-bench/credit-bench/metrics";
 *
 * relativeTo(1.5, 2); // 0.75
 * relativeTo(1.5, 0); // NaN
 * ```
 */
export function relativeTo(value: number, base: number): number {
  return base > 0 && Number.isFinite(base) ? value / base : NaN;
}

/**
 * {@link relativeTo} for each part of a {@link Split}: e.g. this step's perplexities over step 0's.
 *
 * @example
 * ```ts
 * import { relativeSplit } from "@credit-bench/credit-bench/metrics";
 *
 * relativeSplit({ all: 1.5, planning: 3, execution: 1.2 }, { all: 2, planning: 3, execution: 1.5 });
 * // { all: 0.75, planning: 1, execution: 0.8 }
 * ```
 */
export function relativeSplit(value: Split, base: Split): Split {
  return {
    all: relativeTo(value.all, base.all),
    planning: relativeTo(value.planning, base.planning),
    execution: relativeTo(value.execution, base.execution),
  };
}

/**
 * The paper's share of fork tokens: the top 30% of tokens by entropy.
 *
 * @example
 * ```ts
 * import { FORK_SHARE, forkTokens } from "@credit-bench/credit-bench/metrics";
 *
 * const top20 = (entropies: Float32Array[]) => forkTokens(entropies, FORK_SHARE * 2 / 3);
 * ```
 */
export const FORK_SHARE = 0.3;

/**
 * The fork tokens of a batch: the m = ⌈share · N⌉ tokens of highest entropy among all N response
 * tokens (m counted exactly for shares like 0.3: a float error of 1e-9 is ignored). Ties are broken by
 * batch order: of tokens with equal entropy, the earlier response, then the earlier token, ranks
 * higher, so the result is a pure function of the input. Returns a 0/1 mask per response. Throws a
 * RangeError unless 0 ≤ share ≤ 1, and for a NaN entropy.
 *
 * @example
 * ```ts
 * import { forkTokens } from "@credit-bench/credit-bench/metrics";
 *
 * forkTokens([[0.1, 2, 0.3], [1, 0.2]], 0.4); // [Uint8Array [0, 1, 0], Uint8Array [1, 0]]
 * ```
 */
export function forkTokens(entropies: readonly ArrayLike<number>[], share = FORK_SHARE): Uint8Array[] {
  if (!(share >= 0 && share <= 1)) throw new RangeError(`fork share must be in [0, 1], got ${share}`);
  const all: [number, number, number][] = [];
  entropies.forEach((hs, r) => {
    for (let t = 0; t < hs.length; t++) {
      // A NaN would make the order (and so the forks) depend on the sort's algorithm, not the entropies.
      if (Number.isNaN(hs[t])) throw new RangeError(`response ${r} token ${t}: entropy is NaN`);
      all.push([hs[t], r, t]);
    }
  });
  all.sort((x, y) => y[0] - x[0] || x[1] - y[1] || x[2] - y[2]);
  const m = Math.min(all.length, Math.ceil(share * all.length - 1e-9));
  const out = entropies.map((hs) => new Uint8Array(hs.length));
  for (let i = 0; i < m; i++) out[all[i][1]][all[i][2]] = 1;
  return out;
}

/**
 * How fork tokens and planning tokens of a batch overlap.
 *
 * @example
 * ```ts
 * import { type ForkOverlap, forkOverlap } from "@credit-bench/credit-bench/metrics";
 *
 * const o: ForkOverlap = forkOverlap([[0.1, 2, 0.3]], [[0, 1, 1]], 1 / 3);
 * console.log(o.planningAmongForks, o.forksAmongPlanning); // 1 0.5
 * ```
 */
export interface ForkOverlap {
  /** Fork tokens ({@link forkTokens}). */
  forks: number;
  /** Planning tokens. */
  planning: number;
  /** Tokens that are both. */
  both: number;
  /** both / forks: share of fork tokens that are planning tokens (0 when there is none). */
  planningAmongForks: number;
  /** both / planning: share of planning tokens that are fork tokens (0 when there is none). */
  forksAmongPlanning: number;
}

/**
 * Fork-token overlap: the top-`share` entropy tokens of the batch ({@link forkTokens}, same ties)
 * against the planning masks (same lengths as `entropies`, else a RangeError).
 *
 * @example
 * ```ts
 * import { forkOverlap } from "@credit-bench/credit-bench/metrics";
 *
 * forkOverlap([[0.1, 2, 0.3, 1]], [[0, 1, 0, 0]], 0.5); // { forks: 2, planning: 1, both: 1, planningAmongForks: 0.5, forksAmongPlanning: 1 }
 * ```
 */
export function forkOverlap(
  entropies: readonly ArrayLike<number>[],
  masks: readonly ArrayLike<number>[],
  share = FORK_SHARE,
): ForkOverlap {
  const a = maskAgreement(forkTokens(entropies, share), masks);
  return {
    forks: a.predicted,
    planning: a.reference,
    both: a.both,
    planningAmongForks: a.precision,
    forksAmongPlanning: a.recall,
  };
}

/**
 * How well a predicted planning mask finds the tokens a reference mask marks (pooled over a batch).
 *
 * @example
 * ```ts
 * import { type MaskAgreement, maskAgreement } from "@credit-bench/credit-bench/metrics";
 *
 * const a: MaskAgreement = maskAgreement([[1, 1, 0]], [[1, 0, 0]]);
 * console.log(a.precision, a.recall, a.f1); // 0.5 1 0.666…
 * ```
 */
export interface MaskAgreement {
  /** Tokens both masks mark. */
  both: number;
  /** Tokens the predicted mask marks. */
  predicted: number;
  /** Tokens the reference mask marks. */
  reference: number;
  /** both / predicted (0 when nothing is predicted). */
  precision: number;
  /** both / reference (0 when the reference marks nothing). */
  recall: number;
  /** 2·both / (predicted + reference), the harmonic mean of the two (0 when both masks are empty). */
  f1: number;
}

/**
 * Precision, recall and F1 of the `predicted` planning tokens (e.g. the mined Strategic Grams) against
 * the `reference` ones (e.g. the oracle's), pooled over every token of a batch. There must be as many
 * masks of each, and the two masks of one response must have the same length (else a RangeError).
 *
 * @example
 * ```ts
 * import { maskAgreement } from "@credit-bench/credit-bench/metrics";
 *
 * maskAgreement([[1, 1, 0, 0]], [[0, 1, 1, 0]]); // precision 0.5, recall 0.5, f1 0.5
 * ```
 */
export function maskAgreement(
  predicted: readonly ArrayLike<number>[],
  reference: readonly ArrayLike<number>[],
): MaskAgreement {
  const { sum, n } = pooled(predicted.map((m) => Array.from(m, (x) => (x ? 1 : 0))), reference);
  const both = sum.planning, nPredicted = sum.all, nReference = n.planning;
  return {
    both,
    predicted: nPredicted,
    reference: nReference,
    precision: ratio(both, nPredicted),
    recall: ratio(both, nReference),
    f1: ratio(2 * both, nPredicted + nReference),
  };
}
