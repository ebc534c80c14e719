/**
 * The policy update of one RL step: one or more epochs over the step's rollouts in seeded
 * mini-batches, each a policy-gradient step (harness/update/pg_loss.ts: the baseline's per-token loss and
 * aggregation) plus the baseline's extra loss, with Adam and gradient-norm clipping (harness/model/optimizer.ts).
 *
 * Layout of a forward pass (a mini-batch is cut into passes of rows of similar length): prompts are
 * left-padded to the longest prompt Lp (padded keys masked out, positions starting at 0 on each row's
 * first real token, exactly as the sampler lays them out), so response token t of every row is
 * predicted at column Lp − 1 + t. Tensors handed to the loss are [rows, Tr] with column t = response
 * token t, padding after each response's end.
 * @module
 */
import { tf } from "../backend/backend.ts";
import { type Baseline, type BaselineContext, callHook } from "../credit/baseline.ts";
import { causalBias, logProbAndEntropy, logProbs, type Policy } from "../model/model.ts";
import { pgLoss } from "./pg_loss.ts";
import type { Rng } from "../core/rng.ts";
import { PAD } from "../text/tokenizer.ts";
import { MASKED, type RolloutEngine } from "../rollout/engine.ts";
import { NonFiniteError, NonFiniteGradientError, type Trainer } from "../model/optimizer.ts";
import {
  byLength,
  type Extent,
  lengthChunks,
  SCORE_PASS_OVERHEAD,
  TRAIN_PASS_OVERHEAD,
} from "../model/length_chunks.ts";

/** Settings of the update. */
export interface UpdateConfig {
  /** Passes over the step's rollouts. */
  epochs: number;
  /** Rollouts per optimisation step. */
  miniBatch: number;
  /** Learning rate. */
  lr: number;
  /** ε_low and ε_high of the ratio clip. */
  clipLow: number;
  clipHigh: number;
  /** Weight of the KL to the reference (base) policy; 0 for none. */
  klBeta: number;
  /** The longest response allowed, in tokens (the constant normaliser of `dr-grpo`). */
  maxLength: number;
}

/** Means over the update's optimisation steps. */
export interface UpdateStats {
  loss: number;
  gradNorm: number;
  clipFraction: number;
  kl: number;
  /** Optimisation steps taken. */
  updates: number;
}

/** A rollout's sequence: prompt ids and response tokens. */
export interface Row {
  prompt: readonly number[];
  tokens: readonly number[];
}

/** A row's extent in a pass (harness/model/length_chunks.ts): its prompt but the last token, left-padded; its response after. */
export const extent = (r: Row): Extent => ({ left: r.prompt.length - 1, right: r.tokens.length });

/** Inputs of the forward pass of a mini-batch (`keys`: 0 on each row's padding), and the response-aligned layout. */
function layout(rows: readonly Row[]) {
  const Lp = Math.max(...rows.map((r) => r.prompt.length));
  const Tr = Math.max(...rows.map((r) => r.tokens.length));
  const L = Lp + Tr - 1;
  const ids: number[] = [], pos: number[] = [], keys: number[][] = [], targets: number[] = [];
  for (const r of rows) {
    const pad = Lp - r.prompt.length;
    const seq = [...Array(pad).fill(PAD), ...r.prompt, ...r.tokens.slice(0, -1)];
    keys.push(Array.from({ length: L }, (_, j) => (j < pad ? 0 : 1)));
    for (let j = 0; j < L; j++) {
      ids.push(seq[j] ?? PAD);
      pos.push(Math.max(0, j - pad));
    }
    for (let t = 0; t < Tr; t++) targets.push(r.tokens[t] ?? PAD);
  }
  const B = rows.length;
  return { B, Lp, Tr, L, ids, pos, keys, targets };
}

/**
 * Log-probabilities and entropies [rows, Tr] of the rows' response tokens under `policy`
 * (differentiable), with the response mask. Consecutive rows of similar length share a forward pass
 * (harness/model/length_chunks.ts, at `overhead`; Infinity: one pass): sort the rows by length first for the
 * least padding. With `entropy` false the entropies are not computed (a loss that does not read them).
 */
export function responseLogProbs(
  policy: Policy,
  rows: readonly Row[],
  overhead?: number,
): { logp: tf.Tensor2D; entropy: tf.Tensor2D; mask: tf.Tensor2D };
export function responseLogProbs(
  policy: Policy,
  rows: readonly Row[],
  overhead: number,
  entropy: boolean,
): { logp: tf.Tensor2D; entropy?: tf.Tensor2D; mask: tf.Tensor2D };
export function responseLogProbs(
  policy: Policy,
  rows: readonly Row[],
  overhead = TRAIN_PASS_OVERHEAD,
  entropy = true,
): { logp: tf.Tensor2D; entropy?: tf.Tensor2D; mask: tf.Tensor2D } {
  const Tr = Math.max(...rows.map((r) => r.tokens.length));
  const parts = lengthChunks(rows.map(extent), overhead).map(([s, e]) =>
    chunkLogProbs(policy, rows.slice(s, e), Tr, entropy)
  );
  const mask = rows.flatMap((r) => Array.from({ length: Tr }, (_, t) => (t < r.tokens.length ? 1 : 0)));
  return {
    logp: tf.concat(parts.map((p) => p.logp)),
    entropy: entropy ? tf.concat(parts.map((p) => p.entropy!)) : undefined,
    mask: tf.tensor2d(mask, [rows.length, Tr]),
  };
}

/** Log-probabilities (and entropies) of `rows` from one forward pass, zero-padded to `width` columns. */
function chunkLogProbs(policy: Policy, rows: readonly Row[], width: number, withEntropy: boolean) {
  const { B, Lp, Tr, L, ids, pos, keys, targets } = layout(rows);
  const keyBias = keys.flatMap((row) => row.map((k) => (k ? 0 : MASKED)));
  const { logits } = policy.forward(tf.tensor2d(ids, [B, L], "int32"), {
    positions: tf.tensor2d(pos, [B, L], "int32"),
    bias: causalBias(L).add(tf.tensor(keyBias, [B, 1, 1, L])),
    from: Lp - 1, // logits of the response's predictions only
  });
  const targetIds = tf.tensor2d(targets, [B, Tr], "int32");
  const pad = (x: tf.Tensor2D) => (Tr === width ? x : tf.pad(x, [[0, 0], [0, width - Tr]]));
  if (!withEntropy) return { logp: pad(logProbs(logits, targetIds)) };
  const { logp, entropy } = logProbAndEntropy(logits, targetIds);
  return { logp: pad(logp), entropy: pad(entropy) };
}

/** Per-token values of the chosen rows as a [rows, Tr] tensor, zero-padded. */
function padded(values: readonly ArrayLike<number>[], Tr: number): tf.Tensor2D {
  const flat = new Float32Array(values.length * Tr);
  values.forEach((v, i) => flat.set(Array.from(v).slice(0, Tr), i * Tr));
  return tf.tensor2d(flat, [values.length, Tr]);
}

/**
 * `row[token]` minus the log of the sum of `exp(row)`: a log-probability from logits. Plain loops: 3×
 * faster than `reduce` with a closure, the same operations in the same order.
 */
function logSoftmaxAt(row: Float32Array, token: number): number {
  let max = -Infinity, z = 0;
  for (let i = 0; i < row.length; i++) max = Math.max(max, row[i]);
  for (let i = 0; i < row.length; i++) z += Math.exp(row[i] - max);
  return row[token] - max - Math.log(z);
}

/**
 * Log-probabilities of every row's response tokens under `engine`'s policy (no gradient), laid out as
 * in training: the rows sorted by length and scored in chunks (harness/model/length_chunks.ts), one forward
 * pass each.
 */
export async function fixedLogProbs(engine: RolloutEngine, rows: readonly Row[]): Promise<Float32Array[]> {
  const V = engine.config.vocabSize, out: Float32Array[] = [];
  const order = byLength(rows.map(extent)), sorted = order.map((i) => rows[i]);
  for (const [s, e] of lengthChunks(sorted.map(extent), SCORE_PASS_OVERHEAD)) {
    const part = sorted.slice(s, e);
    const { B, Lp, L, ids, pos, keys } = layout(part);
    const decoder = engine.decoder(B);
    try {
      const logits = await decoder.feed({ tokens: ids, positions: pos, time: L, keys }, true);
      part.forEach((r, b) =>
        out[order[s + b]] = Float32Array.from(r.tokens, (token, t) => {
          const at = (b * L + Lp - 1 + t) * V;
          return logSoftmaxAt(logits.subarray(at, at + V), token);
        })
      );
    } finally {
      decoder.close();
    }
  }
  return out;
}

/** A rollout as the update reads it: its sequence and the rollout policy's log-prob of each response token. */
export interface ScoredRow extends Row {
  logp: ArrayLike<number>;
}

/** What {@link updatePolicy} works on: the trainer, the baseline and its step's context, the rollouts and their advantages. */
export interface UpdateInput {
  trainer: Trainer;
  baseline: Baseline;
  /** The context the baseline saw (its extra loss sees it again). */
  ctx: BaselineContext;
  /** The rollout of each of `ctx.rollouts`; the old log-probs come from here, the harness's own copy. */
  rows: readonly ScoredRow[];
  /** The baseline's per-token advantages, one array per row. */
  advantages: readonly Float32Array[];
  cfg: UpdateConfig;
  /** Shuffles the mini-batches. */
  rng: Rng;
  /** An engine of the base policy: the KL to it is measured (and in the loss when `cfg.klBeta > 0`, which needs it). */
  ref?: RolloutEngine;
}

/**
 * Update `trainer.policy` on the step's rollouts: `cfg.epochs` passes, each over the rows shuffled by
 * `rng` and cut into mini-batches of `cfg.miniBatch`. With `ref` (scoring each rollout once per step)
 * the KL to the base policy is measured. A NaN or Inf loss or gradient throws NonFiniteError (nothing
 * applied).
 */
export async function updatePolicy(input: UpdateInput): Promise<UpdateStats> {
  const { trainer, baseline, ctx, rows: seqs, advantages, cfg, rng, ref } = input;
  const all = seqs.map((r, i) => ({ i, prompt: r.prompt, tokens: r.tokens }));
  const sums = { loss: 0, gradNorm: 0, clipFraction: 0, kl: 0, updates: 0 };
  // The base policy's log-probs are fixed for the step, like the rollout's: one forward pass per rollout.
  const refLogps = ref ? await fixedLogProbs(ref, seqs) : null;
  // Only a baseline's own loss terms read the live entropy: the built-in loss is spared its work.
  const readsEntropy = baseline.policyLoss !== undefined || baseline.extraLoss !== undefined;
  for (let e = 0; e < cfg.epochs; e++) {
    const order = rng.shuffle(all);
    for (let s = 0; s < order.length; s += cfg.miniBatch) {
      const batch = order.slice(s, s + cfg.miniBatch);
      const rows = byLength(batch.map(extent)).map((i) => batch[i]); // the same mini-batch, in the order that pads least
      const idx = rows.map((r) => r.i);
      const Tr = Math.max(...rows.map((r) => r.tokens.length));
      const refLogp = refLogps ? padded(idx.map((i) => refLogps[i]), Tr) : undefined;
      let aux: tf.Tensor[] = [], terms: tf.Scalar[] = [];
      /** The mini-batch's loss terms on the policy as it is: the policy loss (with the KL) and the extra term. */
      const lossTerms = () => {
        const live = responseLogProbs(trainer.policy, rows, TRAIN_PASS_OVERHEAD, readsEntropy);
        const out = pgLoss({
          logp: live.logp,
          oldLogp: padded(idx.map((i) => seqs[i].logp), Tr),
          advantages: padded(idx.map((i) => advantages[i]), Tr),
          mask: live.mask,
          refLogp,
        }, {
          clipLow: cfg.clipLow,
          clipHigh: cfg.clipHigh,
          aggregation: baseline.aggregation,
          maxLength: cfg.maxLength,
          klBeta: cfg.klBeta,
          policyLoss: baseline.policyLoss &&
            ((input) => callHook(baseline.name, "policyLoss(input, ctx)", () => baseline.policyLoss!(input, ctx))),
          policyLossName: `baseline ${baseline.name}: policyLoss(input, ctx)`,
          entropy: live.entropy,
          rows: idx,
        });
        const extra = baseline.extraLoss &&
          checkedScalar(
            `baseline ${baseline.name}: extraLoss(ctx, live)`,
            callHook(
              baseline.name,
              "extraLoss(ctx, live)",
              () => baseline.extraLoss!(ctx, { entropy: live.entropy!, mask: live.mask, rows: idx }),
            ),
            live.entropy!,
          );
        return { out, extra };
      };
      const res = withHookNamed(baseline, () => terms, (term) => {
        const vars = trainer.policy.variables;
        return nonFiniteGradient(() => term === "extra" ? lossTerms().extra! : lossTerms().out.loss, vars);
      }, () =>
        trainer.step(() => {
          const { out, extra } = lossTerms();
          aux = [tf.keep(out.clipFraction), tf.keep(out.kl)];
          // A copy of the extra term: one the baseline keeps (a cached zero) stays the baseline's to free.
          terms = [tf.keep(out.loss), ...(extra ? [tf.keep(extra.clone())] : [])];
          return extra ? out.loss.add(extra) as tf.Scalar : out.loss;
        }, cfg.lr));
      const [clipFraction, kl] = aux.map((t) => t.dataSync()[0]);
      tf.dispose([...aux, ...(refLogp ? [refLogp] : [])]);
      sums.loss += res.loss;
      sums.gradNorm += res.gradNorm;
      sums.clipFraction += clipFraction;
      sums.kl += kl;
      sums.updates++;
    }
  }
  const n = Math.max(sums.updates, 1);
  return {
    loss: sums.loss / n,
    gradNorm: sums.gradNorm / n,
    clipFraction: sums.clipFraction / n,
    kl: sums.kl / n,
    updates: sums.updates,
  };
}

/**
 * What an extra loss term returned, checked: a scalar tensor computed from the live `entropy`, or a
 * constant 0 (no term). A plain number would be added to the loss logged but give no gradient, and so
 * would a value read out with `dataSync()` and put back in a tensor (any other constant); a tensor of
 * another rank is refused by tfjs in words that name neither the baseline nor the hook (a Promise, by
 * `callHook`).
 */
function checkedScalar(who: string, value: unknown, entropy: tf.Tensor): tf.Scalar {
  if (value instanceof tf.Tensor && value.rank === 0) {
    if (computedFrom(value, entropy) || value.dataSync()[0] === 0) return value as tf.Scalar; // 0: no term at all
    throw new RangeError(
      `${who} returned a scalar not computed from live.entropy, which has no gradient (a value read out with ` +
        "dataSync() and put back in a tensor); compute it from live's tensors with tensor ops",
    );
  }
  const got = value instanceof tf.Tensor
    ? `a tensor of shape [${value.shape}] (reduce it, e.g. with .mean())`
    : typeof value === "number"
    ? "a number, which has no gradient (do not read values out with dataSync())"
    : String(value === null ? null : typeof value);
  throw new RangeError(`${who} returned ${got}; it must return a scalar tensor computed from live's tensors`);
}

/**
 * Whether `y` was computed from `x` by operations on the gradient tape being recorded (it is called
 * inside a trainer step), found by walking the tape back from its end, where `y` was made, through the
 * operations that made each tensor wanted; the walk ends at `x`, made a few operations earlier, so it
 * does not read the forward pass before it. With no tape at all, nothing is refused.
 */
function computedFrom(y: tf.Tensor, x: tf.Tensor): boolean {
  const tape = tf.engine().state.activeTape;
  if (!tape) return true;
  const wanted = new Set([y.id]);
  for (let i = tape.length - 1; i >= 0 && !wanted.has(x.id); i--) {
    const node = tape[i];
    if (node.outputs.some((t) => wanted.has(t.id))) { for (const t of Object.values(node.inputs)) wanted.add(t.id); }
  }
  return wanted.has(x.id);
}

/**
 * The norm of the gradient of `term()` (a loss term, computed afresh) over `vars` when an element of it
 * is NaN or infinite, else null: also when the term has no path to `vars` (a constant 0) or throws. Asked
 * only once an update has failed, so it costs nothing otherwise.
 */
function nonFiniteGradient(term: () => tf.Scalar, vars: readonly tf.Variable[]): number | null {
  let norm: number | null = null;
  try {
    tf.tidy(() => {
      const grads = Object.values(tf.variableGrads(term, [...vars]).grads);
      if (grads.some((g) => !g.isFinite().all().dataSync()[0])) {
        norm = Math.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))).dataSync()[0]);
      }
    });
  } catch {
    // no gradient to blame
  }
  return norm;
}

/**
 * Run `step` (a trainer step on `baseline`'s loss), naming the baseline's hook when it is what went
 * wrong: its own policy loss left the loss without a path to the policy's weights (tfjs says only that
 * it cannot find one; the default policy loss always has one); the loss is not finite because
 * `terms()` (the policy loss and the extra term of the step, as computed) says its hook's term is not;
 * or the loss is finite but its gradient is not, and `gradient` (the norm of a term's gradient where it
 * is not finite, computed again) finds the extra term's gradient, or that of a policy loss of its own,
 * at fault.
 */
function withHookNamed<T>(
  baseline: Baseline,
  terms: () => tf.Scalar[],
  gradient: (term: "policy" | "extra") => number | null,
  step: () => T,
): T {
  try {
    return step();
  } catch (e) {
    if (e instanceof NonFiniteGradientError) {
      const extra = baseline.extraLoss ? gradient("extra") : null;
      const policy = extra === null && baseline.policyLoss ? gradient("policy") : null;
      const hook = extra !== null
        ? `extraLoss(ctx, live) (norm ${extra})`
        : policy !== null
        ? `policyLoss(input, ctx)'s loss (norm ${policy})`
        : null;
      if (hook) {
        throw new NonFiniteError(
          e.step,
          `baseline ${baseline.name}: the gradient of ${hook}`,
          "Look in it for a sqrt or log of a value that reaches 0, also in a branch tf.where leaves out: its value " +
            "is finite there, its gradient not; add a small constant first, e.g. x.add(1e-8).sqrt()",
        );
      }
      throw e;
    }
    if (e instanceof NonFiniteError) {
      const [pg, extra] = terms().map((t) => t.dataSync()[0]);
      const hook = extra !== undefined && !Number.isFinite(extra)
        ? `extraLoss(ctx, live) (${extra})`
        : baseline.policyLoss && pg !== undefined && !Number.isFinite(pg)
        ? `policyLoss(input, ctx)'s loss (${pg})`
        : null;
      if (hook) {
        throw new NonFiniteError(
          e.step,
          `baseline ${baseline.name}: ${hook}`,
          "Look in it for a log of 0 or a division by 0",
        );
      }
      throw e;
    }
    if (!baseline.policyLoss || !/Cannot find a connection between any variable/.test(String((e as Error)?.message))) {
      throw e;
    }
    throw new RangeError(
      `baseline ${baseline.name}: the loss has no path to the policy's weights; policyLoss must compute its loss ` +
        "from input.logp (or input.entropy), not from constants or values read out",
    );
  } finally {
    tf.dispose(terms());
  }
}
