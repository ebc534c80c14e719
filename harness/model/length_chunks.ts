/**
 * Forward passes over sequences of different lengths waste work on padding: a batch is as long as
 * its longest row. Sorting the rows by length and cutting them into chunks, each a pass of its own,
 * trades that padding for the fixed cost of a pass. {@link lengthChunks} finds the cut of least total
 * cost, `Σ (overhead + rows × padded length)` over the chunks, exactly (dynamic programming over the
 * cut points). What is computed does not change, only the rounding of its sums.
 * @module
 */

/**
 * How a row is laid out in a pass: `left` positions right-aligned (left-padded, as RL prompts are) and
 * `right` positions after them (right-padded); a pass is as long as its longest left plus its longest right.
 */
export interface Extent {
  left: number;
  right: number;
}

/**
 * The fixed cost of a tfjs training pass (forward and backward), in row × position units: measured on
 * the default model with wasm, 1 thread, a pass costs about 50 ms plus 0.25 ms per row × position.
 * With wasm-ort's native products, 100 and 200 give the same update and SFT times (within 3%), 400 and
 * 800 3–10% more, one pass per batch ~50% more (an RL step's update and 4 SFT steps, 1 thread).
 */
export const TRAIN_PASS_OVERHEAD = 200;

/** The same for a scoring pass (a prefill) with ONNX Runtime, 1 thread: about 0.5 ms plus 0.02 ms per row × position. */
export const SCORE_PASS_OVERHEAD = 25;

/** The length of a pass over `rows[start, end)`. */
function paddedLength(rows: readonly Extent[], start: number, end: number): number {
  let left = 0, right = 0;
  for (let i = start; i < end; i++) {
    left = Math.max(left, rows[i].left);
    right = Math.max(right, rows[i].right);
  }
  return left + right;
}

/** Indices of `rows` ordered by length (left plus right), ties by index. */
export function byLength(rows: readonly Extent[]): number[] {
  const len = (i: number) => rows[i].left + rows[i].right;
  return rows.map((_, i) => i).sort((a, b) => len(a) - len(b) || a - b);
}

/**
 * Cut `rows`, in the order given (sort them with {@link byLength} first), into runs `[start, end)` of
 * consecutive rows that minimise `Σ (overhead + rows × padded length)` (of equal costs, the last chunk
 * starting earliest).
 */
export function lengthChunks(rows: readonly Extent[], overhead: number): [number, number][] {
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
