/**
 * The `random` planning-token mask, a placebo for `mined`: random n-gram spans (3 to 5 tokens,
 * like strategic grams) placed with a seeded {@link Rng} until they cover as many tokens of a batch
 * as the `mined` mask does on the same rollouts. The share is matched per batch, not per rollout:
 * the spans go anywhere in the batch, so one response may get more than its mined share and another
 * none, while the batch's planning-token count is the same. Spans do not overlap and stay inside
 * the tokens any mask source may mark (the body before `answer :`, no special token; see
 * harness/masks/planning.ts), so the placebo differs from `mined` only in which of those tokens it marks.
 * @module
 */
import type { Mask } from "../credit/baseline.ts";
import { countPlanning, eligibleTokens } from "./planning.ts";
import type { Rng } from "../core/rng.ts";

/** Span lengths of the placebo. */
export interface RandomMaskOptions {
  /** Shortest span, in tokens. */
  minN: number;
  /** Longest span, in tokens. */
  maxN: number;
}

/** The defaults: spans of 3 to 5 tokens, the lengths of strategic grams. */
export const DEFAULT_RANDOM_MASK: Readonly<RandomMaskOptions> = { minN: 3, maxN: 5 };

/** The position of the `k`-th (from 0) start in a rollout where `n` free tokens follow. */
function nthStart(run: Int32Array, n: number, k: number): number {
  for (let i = 0; i < run.length; i++) if (run[i] >= n && k-- === 0) return i;
  return -1;
}

/**
 * Random planning-token masks for a batch of responses (token ids): non-overlapping spans whose
 * lengths and positions are drawn from `rng` until they cover `target` tokens, where `target` is a
 * token count or the masks to match (the count of their planning tokens, e.g. the batch's `mined`
 * masks). Each span's length is drawn uniformly among those that leave a remainder of 0 or at least
 * `minN`, so the count is met exactly whenever it is at least `minN`; a target of 1 or 2 tokens
 * places nothing. Each span's start is uniform among the positions of the batch where a span of that
 * length fits in free eligible tokens; when none fits (the batch's body is nearly covered), the
 * masks cover fewer tokens than the target.
 */
export function randomMasks(
  tokens: readonly ArrayLike<number>[],
  target: number | readonly Mask[],
  rng: Rng,
  options: Partial<RandomMaskOptions> = {},
): Uint8Array[] {
  const { minN, maxN } = { ...DEFAULT_RANDOM_MASK, ...options };
  if (!(Number.isInteger(minN) && minN >= 1 && Number.isInteger(maxN) && maxN >= minN)) {
    throw new RangeError(`random masks need integers 1 ≤ minN ≤ maxN, got ${minN}..${maxN}`);
  }
  const free = tokens.map(eligibleTokens);
  const masks = tokens.map((t) => new Uint8Array(t.length));
  let left = typeof target === "number" ? target : target.reduce((s, m) => s + countPlanning(m), 0);
  const runs = free.map((f) => new Int32Array(f.length + 1));
  while (left >= minN) {
    // runs[r][i]: free tokens from position i on in rollout r.
    runs.forEach((run, r) => {
      for (let i = free[r].length - 1; i >= 0; i--) run[i] = free[r][i] ? run[i + 1] + 1 : 0;
    });
    const exact = [];
    for (let n = minN; n <= Math.min(maxN, left); n++) if (left - n === 0 || left - n >= minN) exact.push(n);
    const lengths = rng.shuffle(exact.length ? exact : [minN]);
    const n = lengths.find((n) => runs.some((run) => run.some((x) => x >= n)));
    if (n === undefined) break;
    const fits = runs.map((run) => run.filter((x) => x >= n).length);
    let at = rng.int(fits.reduce((a, b) => a + b, 0)), r = 0;
    while (at >= fits[r]) at -= fits[r++];
    const i = nthStart(runs[r], n, at);
    masks[r].fill(1, i, i + n);
    free[r].fill(0, i, i + n);
    left -= n;
  }
  return masks;
}
