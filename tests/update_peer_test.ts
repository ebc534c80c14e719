/**
 * The RL update against an independent computation: on the committed fixture (bench/update_fixture.ts,
 * computed by PyTorch in float64 with bench/torch_update_peer.py), the loss, clip fraction, KL and the
 * gradient of every weight that the harness computes as `updatePolicy` does (rows sorted by length,
 * `responseLogProbs` then `pgLoss` inside `tf.variableGrads`, default backend) agree with PyTorch's to
 * 1e-4: each scalar absolutely, each gradient element both absolutely and relative to the largest
 * |element| of its tensor. Needs no PyTorch.
 */
import { assert } from "./testing.ts";
import { DEFAULT_BACKEND, tf, useBackend } from "../harness/backend/backend.ts";
import { loadCheckpoint } from "../harness/model/checkpoint.ts";
import type { Policy } from "../harness/model/model.ts";
import { extent, responseLogProbs } from "../harness/update/rl_update.ts";
import { pgLoss } from "../harness/update/pg_loss.ts";
import { byLength, TRAIN_PASS_OVERHEAD } from "../harness/model/length_chunks.ts";
import {
  type BatchFile,
  type BatchRow,
  type Expected,
  type ExpectedCase,
  FIXTURE_DIR,
} from "../bench/update_fixture.ts";

await useBackend(DEFAULT_BACKEND);

const TOL = 1e-4;
const dir = FIXTURE_DIR.pathname;
const expected: Expected = JSON.parse(await Deno.readTextFile(`${dir}expected.json`));
const policy = await loadCheckpoint(`${dir}checkpoint`);

/** Loss, clip fraction, KL and per-parameter gradients. */
interface Numbers {
  loss: number;
  clipFraction: number;
  kl: number;
  grads: Float32Array[];
}

/** Per-token values of `rows` as a zero-padded [rows, Tr] tensor (as rl_update.ts pads them). */
function padded(values: readonly number[][], Tr: number): tf.Tensor2D {
  const flat = new Float32Array(values.length * Tr);
  values.forEach((v, i) => flat.set(v, i * Tr));
  return tf.tensor2d(flat, [values.length, Tr]);
}

/** The harness's numbers on `batch`, computed as `updatePolicy` computes one optimisation step's. */
function harness(policy: Policy, batch: BatchFile, overhead = TRAIN_PASS_OVERHEAD): Numbers {
  const rows = byLength(batch.rows.map(extent)).map((i) => batch.rows[i]);
  const Tr = Math.max(...rows.map((r) => r.tokens.length));
  const refLogp = rows[0].refLogProbs ? padded(rows.map((r) => r.refLogProbs!), Tr) : undefined;
  let aux: tf.Tensor[] = [];
  const { value, grads } = tf.variableGrads(() => {
    const live = responseLogProbs(policy, rows, overhead);
    const out = pgLoss({
      logp: live.logp,
      oldLogp: padded(rows.map((r) => r.oldLogProbs), Tr),
      advantages: padded(rows.map((r) => r.advantages), Tr),
      mask: live.mask,
      refLogp,
    }, {
      clipLow: batch.clipLow,
      clipHigh: batch.clipHigh,
      aggregation: batch.aggregation,
      maxLength: batch.maxLength,
      klBeta: batch.klBeta,
    });
    aux = [tf.keep(out.clipFraction), tf.keep(out.kl)];
    return out.loss;
  }, policy.variables);
  const [clipFraction, kl] = aux.map((t) => t.dataSync()[0]);
  const out = {
    loss: value.dataSync()[0],
    clipFraction,
    kl,
    grads: policy.variables.map((v) => grads[v.name].dataSync() as Float32Array),
  };
  tf.dispose([value, ...Object.values(grads), ...aux, ...(refLogp ? [refLogp] : [])]);
  return out;
}

/** PyTorch's numbers of a case, its stored gradient rows spread back to full tensors. */
async function peer(c: ExpectedCase): Promise<Numbers> {
  const bytes = await Deno.readFile(`${dir}${c.name}.grad.bin`);
  const stored = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  let off = 0;
  const grads = expected.params.map(({ name, shape }) => {
    const g = new Float32Array(shape.reduce((a, b) => a * b, 1));
    const rows = c.rows[name];
    if (!rows) g.set(stored.subarray(off, off += g.length));
    else {
      const width = shape[1];
      for (const i of rows) g.set(stored.subarray(off, off += width), i * width);
    }
    return g;
  });
  if (off !== stored.length) throw new Error(`${c.name}.grad.bin holds ${stored.length} values, its layout ${off}`);
  return { loss: c.loss, clipFraction: c.clipFraction, kl: c.kl, grads };
}

/** Differences of the harness's numbers from PyTorch's. */
interface Diff {
  /** The largest absolute difference of loss, clip fraction and KL, and which. */
  scalar: number;
  scalarWhat: string;
  /** The largest absolute difference of a gradient element, and its parameter. */
  abs: number;
  absWhat: string;
  /** The largest |difference| / max |PyTorch's element| of a parameter, and the parameter. */
  rel: number;
  relWhat: string;
}

function diff(got: Numbers, want: Numbers): Diff {
  const d: Diff = { scalar: 0, scalarWhat: "", abs: 0, absWhat: "", rel: 0, relWhat: "" };
  for (const k of ["loss", "clipFraction", "kl"] as const) {
    const e = Math.abs(got[k] - want[k]);
    if (!(e <= d.scalar)) [d.scalar, d.scalarWhat] = [e, `${k} ${got[k]} vs ${want[k]}`];
  }
  expected.params.forEach(({ name }, p) => {
    const [g, w] = [got.grads[p], want.grads[p]];
    let abs = 0, scale = 0;
    for (let i = 0; i < w.length; i++) {
      const e = Math.abs(g[i] - w[i]);
      if (!(e <= abs)) abs = e; // NaN counts as a miss
      scale = Math.max(scale, Math.abs(w[i]));
    }
    const rel = scale > 0 ? abs / scale : abs;
    if (!(abs <= d.abs)) [d.abs, d.absWhat] = [abs, name];
    if (!(rel <= d.rel)) [d.rel, d.relWhat] = [rel, `${name} (scale ${scale.toExponential(2)})`];
  });
  return d;
}

const within = (d: Diff) => d.scalar <= TOL && d.abs <= TOL && d.rel <= TOL;
const show = (d: Diff) =>
  `scalars ${d.scalar.toExponential(2)} (${d.scalarWhat}); gradient abs ${d.abs.toExponential(2)} (${d.absWhat}), ` +
  `rel ${d.rel.toExponential(2)} (${d.relWhat})`;

const batches = new Map<string, BatchFile>();
for (const c of expected.cases) batches.set(c.name, JSON.parse(await Deno.readTextFile(`${dir}${c.name}.batch.json`)));

Deno.test("update vs PyTorch peer", async (t) => {
  await t.step("the fixture covers token-mean, sequence-mean and dr-grpo, clipping on both sides", () => {
    const modes = expected.cases.map((c) => batches.get(c.name)!.aggregation);
    for (const m of ["token-mean", "sequence-mean", "dr-grpo"]) assert(modes.includes(m as never), `no ${m} case`);
    assert(expected.cases.some((c) => batches.get(c.name)!.klBeta > 0), "no case with the KL in the loss");
    // Ratios under the harness's policy: clipped above (r > 1 + ε_high, A > 0) and below (r < 1 − ε_low, A < 0).
    const batch = batches.get(expected.cases[0].name)!;
    const logp = tf.tidy(() => responseLogProbs(policy, batch.rows, Infinity).logp.arraySync());
    let above = 0, below = 0;
    batch.rows.forEach((r: BatchRow, i) =>
      r.tokens.forEach((_, k) => {
        const ratio = Math.exp(logp[i][k] - r.oldLogProbs[k]), a = r.advantages[k];
        if (ratio > 1 + batch.clipHigh && a > 0) above++;
        if (ratio < 1 - batch.clipLow && a < 0) below++;
      })
    );
    assert(above > 0 && below > 0, `clipped above ${above}, below ${below}`);
    for (const c of expected.cases) {
      assert(c.minBoundGap > 1e-3, `${c.name}: a ratio within ${c.minBoundGap} of a bound`);
    }
  });

  for (const c of expected.cases) {
    await t.step(`${c.name}: loss, clip fraction, KL and every gradient element within ${TOL}`, async () => {
      const d = diff(harness(policy, batches.get(c.name)!), await peer(c));
      assert(within(d), `${c.name}: ${show(d)}`);
    });
  }

  await t.step("many passes (length chunks at overhead 0) give the same numbers", async () => {
    const c = expected.cases[0];
    const d = diff(harness(policy, batches.get(c.name)!, 0), await peer(c));
    assert(within(d), show(d));
  });

  await t.step("the comparison fails on a perturbed clip or advantage", async () => {
    const c = expected.cases[0], batch = batches.get(c.name)!, want = await peer(c);
    const clip = diff(harness(policy, { ...batch, clipHigh: batch.clipHigh - 0.03 }), want);
    assert(clip.scalar > TOL && !within(clip), `clipHigh − 0.03 still agrees: ${show(clip)}`);
    const rows = batch.rows.map((
      r,
      i,
    ) => (i === 2 ? { ...r, advantages: r.advantages.map((a, k) => k ? a : a + 0.5) } : r));
    const adv = diff(harness(policy, { ...batch, rows }), want);
    assert(adv.abs > TOL && adv.rel > TOL, `one advantage + 0.5 still agrees: ${show(adv)}`);
  });
});
