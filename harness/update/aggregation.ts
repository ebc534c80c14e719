/**
 * The aggregations of per-token losses [rows, T] into one number, `m` the response-token mask:
 * - {@link tokenMean}: `Σ loss·m / Σ m` over the whole batch (DAPO; the default);
 * - {@link sequenceMean}: the mean over each row's tokens, then over the rows that have tokens (GRPO as
 *   printed);
 * - {@link drGrpo}: `Σ loss·m / (rows × maxLength)` with a constant `maxLength` (Dr. GRPO).
 * A baseline names one (`aggregation: "dr-grpo"`), passes one of these functions, or writes its own.
 * @module
 */
import { tf } from "../backend/backend.ts";
import type { Aggregation, Aggregator, Scalar, Tensor2D } from "../credit/baseline.ts";

/**
 * `Σ values·mask / Σ mask`: every response token of the batch weighs the same.
 *
 * @example
 * ```ts
 * import { tf, tokenMean } from "@credit-bench/credit-bench";
 *
 * await tf.ready();
 * tokenMean(tf.tensor2d([[1, 3], [5, 0]]), tf.tensor2d([[1, 1], [1, 0]])).dataSync(); // [3]
 * ```
 */
export function tokenMean(values: Tensor2D, mask: Tensor2D): Scalar {
  if (noRows("tokenMean", values, mask)) return tf.scalar(0);
  return tf.tidy(() => values.mul(mask).sum().div(tf.maximum(mask.sum(), 1)) as Scalar);
}

/**
 * The mean over each row's response tokens, then the mean over the rows that have any.
 *
 * @example
 * ```ts
 * import { sequenceMean, tf } from "@credit-bench/credit-bench";
 *
 * await tf.ready();
 * sequenceMean(tf.tensor2d([[1, 3], [5, 0]]), tf.tensor2d([[1, 1], [1, 0]])).dataSync(); // [3.5]
 * ```
 */
export function sequenceMean(values: Tensor2D, mask: Tensor2D): Scalar {
  if (noRows("sequenceMean", values, mask)) return tf.scalar(0);
  return tf.tidy(() => {
    const count = mask.sum(1);
    const perRow = values.mul(mask).sum(1).div(tf.maximum(count, 1));
    return perRow.sum().div(tf.maximum(count.greater(0).cast("float32").sum(), 1)) as Scalar;
  });
}

/**
 * `Σ values·mask / (rows × maxLength)`: a constant normaliser, whatever the responses' lengths.
 *
 * @example
 * ```ts
 * import { drGrpo, tf } from "@credit-bench/credit-bench";
 *
 * await tf.ready();
 * drGrpo(tf.tensor2d([[1, 3], [5, 0]]), tf.tensor2d([[1, 1], [1, 0]]), 4).dataSync(); // [1.125]
 * ```
 */
export function drGrpo(values: Tensor2D, mask: Tensor2D, maxLength = NaN): Scalar {
  if (!(maxLength > 0)) throw new RangeError(`dr-grpo aggregation needs a positive maxLength, got ${maxLength}`);
  if (noRows("drGrpo", values, mask)) return tf.scalar(0);
  return tf.tidy(() => values.mul(mask).sum().div(values.shape[0] * maxLength) as Scalar);
}

/**
 * Whether the batch has no rows (its loss is then 0, a mean of nothing: tfjs-wasm summed an empty tensor
 * to whatever its memory held); a RangeError when the mask is not of the values' shape (a broadcast mask
 * was multiplied in but not counted).
 */
function noRows(name: string, values: Tensor2D, mask: Tensor2D): boolean {
  if (values.shape[0] !== mask.shape[0] || values.shape[1] !== mask.shape[1]) {
    throw new RangeError(
      `${name}: values of shape [${values.shape}] but a mask of shape [${mask.shape}]; give the mask the values' shape`,
    );
  }
  return values.shape[0] === 0;
}

/** The aggregations by name. */
const BY_NAME: Readonly<Record<Aggregation, Aggregator>> = {
  "token-mean": tokenMean,
  "sequence-mean": sequenceMean,
  "dr-grpo": drGrpo,
};

/**
 * Aggregate per-token values [rows, T] with `mask` by `mode`, a name or an {@link Aggregator};
 * `maxLength` is the constant length normaliser `dr-grpo` needs. A function's result must be a scalar.
 *
 * @example The mean entropy over response tokens, as an extra loss term
 * ```ts
 * import { aggregate, tf } from "@credit-bench/credit-bench";
 *
 * await tf.ready(); // a baseline's extraLoss runs once the harness has started the backend
 * const entropy = tf.tensor2d([[0.5, 1.5, 9]]), mask = tf.tensor2d([[1, 1, 0]]);
 * aggregate(entropy, mask, "token-mean").dataSync(); // [1]
 * ```
 */
export function aggregate(
  values: Tensor2D,
  mask: Tensor2D,
  mode: Aggregation | Aggregator,
  maxLength?: number,
): Scalar {
  const fn = typeof mode === "function" ? mode : BY_NAME[mode];
  if (!fn) throw new RangeError(`unknown aggregation ${JSON.stringify(mode)}`);
  const out = fn(values, mask, maxLength);
  if (!(out instanceof tf.Tensor) || out.rank !== 0) {
    throw new RangeError(
      `the aggregation returned ${out instanceof tf.Tensor ? `shape [${out.shape}]` : typeof out}, not a scalar tensor`,
    );
  }
  return out;
}
