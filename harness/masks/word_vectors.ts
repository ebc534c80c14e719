/**
 * Word vectors built from a corpus of token-id sequences alone, with no pretrained model (none is
 * available offline): positive pointwise mutual information (PPMI) of word–context co-occurrence in
 * a symmetric window, then a truncated singular value decomposition (Levy, Goldberg & Dagan 2015).
 * Words used in the same contexts ("let us try" / "what if we try") get nearby vectors.
 * @module
 */
import { Matrix, SingularValueDecomposition } from "ml-matrix";

/**
 * How to build the word vectors that embed candidate grams (PPMI + SVD).
 *
 * @example
 * ```ts
 * import type { WordVectorOptions } from "@credit-bench/credit-bench/metrics";
 *
 * const wider: WordVectorOptions = { window: 3, dim: 32, smoothing: 0.75 };
 * ```
 */
export interface WordVectorOptions {
  /** Context window: words up to this many positions either side count as contexts. */
  window: number;
  /** Dimensions kept from the SVD (fewer when the corpus has fewer distinct words). */
  dim: number;
  /** Context-distribution smoothing exponent: context counts are raised to it before normalising. */
  smoothing: number;
}

/**
 * Defaults: window ±2 (the grams to embed are 3-5 words, so contexts a phrase's own neighbours), 16
 * dimensions (the vocabulary has a few hundred words, and a corpus of responses uses fewer than 200),
 * smoothing 0.75 (Levy et al.'s setting, which damps PMI's bias toward rare contexts).
 */
export const DEFAULT_WORD_VECTORS: Readonly<WordVectorOptions> = { window: 2, dim: 16, smoothing: 0.75 };

/** Word vectors of the token ids a corpus uses. */
export interface WordVectors {
  /** Vector dimensions. */
  dim: number;
  /** The vector of each token id seen in the corpus (U·√S of the PPMI matrix's SVD). */
  vectors: ReadonlyMap<number, Float64Array>;
}

/**
 * Word vectors from a corpus of token-id sequences: co-occurrence counts within `window` positions
 * inside each sequence, PPMI with smoothed context probabilities, truncated SVD. Each dimension's
 * sign is fixed so that its largest-magnitude entry is positive, so the result depends on the
 * corpus alone. An empty corpus gives no vectors. With `kept` (one 0/1 mask per sequence), a token
 * marked 0 is left out: it is neither a word nor a context, and no window reaches across it.
 */
export function wordVectors(
  corpus: readonly ArrayLike<number>[],
  options: Partial<WordVectorOptions> = {},
  kept?: readonly ArrayLike<number>[],
): WordVectors {
  const { window, dim, smoothing } = { ...DEFAULT_WORD_VECTORS, ...options };
  const keeps = (q: number, i: number) => kept === undefined || kept[q][i] !== 0;
  const seen = new Set<number>();
  corpus.forEach((s, q) => {
    for (let i = 0; i < s.length; i++) if (keeps(q, i)) seen.add(s[i]);
  });
  const ids = [...seen].sort((a, b) => a - b);
  const row = new Map(ids.map((id, i) => [id, i]));
  const n = ids.length;
  const counts = new Float64Array(n * n);
  corpus.forEach((s, q) => {
    for (let i = 0; i < s.length; i++) {
      if (!keeps(q, i)) continue;
      const w = row.get(s[i])! * n;
      for (let j = i - 1; j >= Math.max(0, i - window) && keeps(q, j); j--) counts[w + row.get(s[j])!]++;
      for (let j = i + 1; j <= Math.min(s.length - 1, i + window) && keeps(q, j); j++) counts[w + row.get(s[j])!]++;
    }
  });
  const total = counts.reduce((a, b) => a + b, 0);
  const d = Math.min(dim, n);
  if (d === 0 || total === 0) return { dim: d, vectors: new Map(ids.map((id) => [id, new Float64Array(d)])) };
  const wordSums = new Float64Array(n), ctxSums = new Float64Array(n);
  for (let w = 0; w < n; w++) {
    for (let c = 0; c < n; c++) {
      wordSums[w] += counts[w * n + c];
      ctxSums[c] += counts[w * n + c];
    }
  }
  const ctxSmoothed = ctxSums.map((c) => c ** smoothing);
  const ctxTotal = ctxSmoothed.reduce((a, b) => a + b, 0);
  const ppmi = Matrix.zeros(n, n);
  for (let w = 0; w < n; w++) {
    for (let c = 0; c < n; c++) {
      const x = counts[w * n + c];
      const pmi = Math.log((x / total) / ((wordSums[w] / total) * (ctxSmoothed[c] / ctxTotal)));
      if (x > 0 && pmi > 0) ppmi.set(w, c, pmi);
    }
  }
  const svd = new SingularValueDecomposition(ppmi, {
    computeLeftSingularVectors: true,
    computeRightSingularVectors: false,
  });
  const u = svd.leftSingularVectors, s = svd.diagonal;
  const vectors = new Map<number, Float64Array>(ids.map((id) => [id, new Float64Array(d)]));
  for (let k = 0; k < d; k++) {
    let big = 0;
    for (let w = 0; w < n; w++) if (Math.abs(u.get(w, k)) > Math.abs(big)) big = u.get(w, k);
    const sign = big < 0 ? -1 : 1, scale = Math.sqrt(s[k]);
    ids.forEach((id, w) => (vectors.get(id)![k] = sign * scale * u.get(w, k)));
  }
  return { dim: d, vectors };
}
