/**
 * Forward passes over rollouts of different lengths waste work on padding: a batch is as long as its
 * longest prompt plus its longest response. Sorting the rows by length and cutting them into chunks,
 * each a pass of its own, trades that padding for the fixed cost of a pass. {@link lengthChunks} finds
 * the cut of least total cost, `Σ (overhead + rows × padded length)` over the chunks, exactly (dynamic
 * programming over the cut points). The math of what is computed does not change, only its rounding.
 * @module
 */
import type { Row } from "./rl_update.ts";

/**
 * The fixed cost of a tfjs training pass (forward and backward), in row × position units: measured on
 * the default model with wasm, 1 thread, a pass costs about 50 ms plus 0.25 ms per row × position.
 */
export const TRAIN_PASS_OVERHEAD = 200;

/** The same for a scoring pass (a prefill) with ONNX Runtime, 1 thread: about 0.5 ms plus 0.02 ms per row × position. */
export const SCORE_PASS_OVERHEAD = 25;

/** The padded length of `rows` laid out together: the longest prompt plus the longest response, less one. */
function paddedLength(rows: readonly Row[], start: number, end: number): number {
  let p = 0, t = 0;
  for (let i = start; i < end; i++) {
    p = Math.max(p, rows[i].prompt.length);
    t = Math.max(t, rows[i].tokens.length);
  }
  return p + t - 1;
}

/** Indices of `rows` ordered by padded length (prompt plus response), ties by index. */
export function byLength(rows: readonly Row[]): number[] {
  const len = (i: number) => rows[i].prompt.length + rows[i].tokens.length;
  return rows.map((_, i) => i).sort((a, b) => len(a) - len(b) || a - b);
}

/**
 * Cut `rows`, in the order given (sort them with {@link byLength} first), into runs `[start, end)` of
 * consecutive rows that minimise `Σ (overhead + rows × padded length)` (of equal costs, the last chunk
 * starting earliest).
 */
export function lengthChunks(rows: readonly Row[], overhead: number): [number, number][] {
  const n = rows.length;
  const best = new Float64Array(n + 1).fill(Infinity), from = new Int32Array(n + 1);
  best[0] = 0;
  for (let end = 1; end <= n; end++) {
    for (let start = 0; start < end; start++) {
      const cost = best[start] + overhead + (end - start) * paddedLength(rows, start, end);
      if (cost < best[end]) [best[end], from[end]] = [cost, start];
    }
  }
  const cuts: [number, number][] = [];
  for (let end = n; end > 0; end = from[end]) cuts.unshift([from[end], end]);
  return cuts;
}
