import { assertClose, assertEquals, assertThrows } from "./testing.ts";
import { DEFAULT_BACKEND, tf, useBackend } from "../harness/backend/backend.ts";
import { pgLoss, type PgLossInput } from "../harness/update/pg_loss.ts";
import { aggregate } from "../harness/update/aggregation.ts";

await useBackend(DEFAULT_BACKEND);

// Two rows of three tokens; the last token of row 1 is padding (garbage values that must not count).
// ratio r = exp(logp − oldLogp); ε_low 0.2, ε_high 0.28; loss −min(r·A, clip(r)·A):
//   (0,0) r 1.5, A +1: min(1.5, 1.28)   → −1.28  clipped above
//   (0,1) r 0.5, A −2: min(−1, −1.6)    →  1.6   clipped below
//   (0,2) r 1.0, A 0.5                 → −0.5
//   (1,0) r 1.5, A −1: min(−1.5, −1.28) →  1.5   ratio outside, unclipped term chosen
//   (1,1) r 0.5, A +1: min(0.5, 0.8)    → −0.5   ratio outside, unclipped term chosen
// Row sums −0.18 and 1.0; 5 tokens, 2 of them clipped.
const OLD = [[-1, -2, -0.5], [-1.5, -0.7, -1]];
const RATIO = [[1.5, 0.5, 1], [1.5, 0.5, 3]];
const ADV = [[1, -2, 0.5], [-1, 1, 5]];
const MASK = [[1, 1, 1], [1, 1, 0]];

function input(): PgLossInput & { logp: tf.Variable<tf.Rank.R2> } {
  const logp = OLD.map((row, i) => row.map((o, t) => o + Math.log(RATIO[i][t])));
  return {
    logp: tf.variable(tf.tensor2d(logp)),
    oldLogp: tf.tensor2d(OLD),
    advantages: tf.tensor2d(ADV),
    mask: tf.tensor2d(MASK),
  };
}

const value = (t: tf.Tensor) => t.dataSync()[0];

Deno.test("pg loss", async (t) => {
  await t.step("token-mean: (−0.18 + 1.0) / 5, clip fraction 2/5", () => {
    const r = pgLoss(input());
    assertClose([value(r.loss), value(r.clipFraction), value(r.kl)], [0.164, 0.4, 0], 1e-6);
  });

  await t.step("sequence-mean: mean(−0.18/3, 1.0/2)", () => {
    assertClose([value(pgLoss(input(), { aggregation: "sequence-mean" }).loss)], [0.22], 1e-6);
  });

  await t.step("dr-grpo: 0.82 / (2 rows × max length 4); needs a max length", () => {
    assertClose([value(pgLoss(input(), { aggregation: "dr-grpo", maxLength: 4 }).loss)], [0.1025], 1e-6);
    assertThrows(() => pgLoss(input(), { aggregation: "dr-grpo" }), /positive maxLength/);
  });

  await t.step("symmetric clip 0.6 on both sides: nothing clipped, plain −r·A", () => {
    const r = pgLoss(input(), { clipLow: 0.6, clipHigh: 0.6 });
    // −(1.5 − 1 + 0.5) + (1.5 − 0.5) = −1 + 1 → 0 / 5
    assertClose([value(r.loss), value(r.clipFraction)], [0, 0], 1e-6);
  });

  await t.step("gradient: 0 on clipped tokens and padding, −r·A/5 elsewhere (token-mean)", () => {
    const inp = input();
    const g = tf.variableGrads(() => pgLoss(inp).loss, [inp.logp]).grads[inp.logp.name];
    // d(−r·A)/d logp = −r·A; the mean divides by 5.
    assertClose(g.dataSync(), [0, 0, -0.1, 0.3, -0.1, 0], 1e-6);
  });

  await t.step("KL to a reference: k3 = e^d − d − 1 with d = ref − logp, weighted by β", () => {
    const inp = input();
    // d = ln 2 on (0,0), 0 elsewhere; padding gets a huge d that must not count.
    const d = [[Math.log(2), 0, 0], [0, 0, 50]];
    const refLogp = inp.logp.add(tf.tensor2d(d)) as tf.Tensor2D;
    const k3 = 2 - Math.log(2) - 1;
    const r = pgLoss({ ...inp, refLogp }, { klBeta: 0.1 });
    assertClose([value(r.kl), value(r.loss)], [k3 / 5, 0.164 + 0.1 * k3 / 5], 1e-6);
    assertClose([value(pgLoss({ ...inp, refLogp }).loss)], [0.164], 1e-6);
    assertThrows(() => pgLoss(inp, { klBeta: 0.1 }), /klBeta > 0 needs refLogp/);
  });

  await t.step("aggregation skips empty rows in sequence-mean; shapes are checked", () => {
    const v = tf.tensor2d([[2, 4], [9, 9]]), m = tf.tensor2d([[1, 1], [0, 0]]);
    assertClose([value(aggregate(v, m, "sequence-mean")), value(aggregate(v, m, "token-mean"))], [3, 3]);
    assertThrows(() => pgLoss({ ...input(), mask: tf.ones([2, 2]) as tf.Tensor2D }), /mask has shape \[2,2\]/);
  });

  await t.step(
    "a mask of another shape is refused (it broadcast in the product, not the count); no rows give 0",
    () => {
      const v = tf.tensor2d([[1, 3], [5, 0]]), column = tf.tensor2d([[1], [0]]);
      for (const mode of ["token-mean", "sequence-mean", "dr-grpo"] as const) {
        assertThrows(() => aggregate(v, column, mode, 2), /values of shape \[2,2\] but a mask of shape \[2,1\]/);
        // tfjs-wasm summed an empty batch to whatever its memory held (dr-grpo: Infinity).
        const empty = tf.zeros([0, 2]) as tf.Tensor2D;
        assertEquals(value(aggregate(empty, empty, mode, 2)), 0, mode);
      }
    },
  );
});
