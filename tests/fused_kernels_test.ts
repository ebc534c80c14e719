import { assert, assertEquals } from "./testing.ts";
import { fusedColumnSumsActive, tf, useBackend } from "../harness/backend/backend.ts";
import {
  columnSumsMatchProduct,
  fusedColumnSums,
  fusedKernelsActive,
  withoutFusedKernels,
} from "../harness/backend/fused_kernels.ts";
import {
  attentionWeights,
  causalBias,
  createPolicy,
  gelu,
  layerNorm,
  logProbAndEntropy,
} from "../harness/model/model.ts";
import { Trainer } from "../harness/model/optimizer.ts";
import { rng } from "../harness/core/rng.ts";

/** `n` floats of the seeded stream `name`, spread over ±`scale` (GELU's and LayerNorm's interesting range and past it). */
function values(n: number, name: string, scale = 4): Float32Array {
  const r = rng(7, name);
  return Float32Array.from({ length: n }, () => (r.float() - 0.5) * 2 * scale);
}

/** The value and the gradients of `sum(f(inputs)·m)`, as arrays. */
function valueAndGrads(f: (...t: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], m: tf.Tensor): Float32Array[] {
  return tf.tidy(() => {
    const value = f(...inputs).dataSync() as Float32Array;
    const grads = tf.grads((...t: tf.Tensor[]) => tf.sum(f(...t).mul(m)))(inputs);
    return [value, ...grads.map((g) => g.dataSync() as Float32Array)];
  });
}

Deno.test("fused kernels: LayerNorm, GELU and the attention's weights give the tfjs chains' values and gradients bit for bit, on both wasm backends", async () => {
  // 128: the default model's width; 33: a last axis that is no multiple of four (the scalar tail); 3: tail only.
  for (const backend of ["wasm-ort", "wasm"]) {
    await useBackend(backend);
    assert(fusedKernelsActive(), `${backend} runs the fused kernels`);
    for (const shape of [[3, 7, 128], [5, 33], [2, 1, 3]]) {
      const n = shape.reduce((a, b) => a * b), D = shape[shape.length - 1];
      const x = tf.tensor(values(n, `x${n}`), shape), m = tf.tensor(values(n, `m${n}`, 1), shape);
      const g = tf.tensor1d(values(D, `g${D}`, 2)), b = tf.tensor1d(values(D, `b${D}`, 1));
      const ln = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => layerNorm(x, g as tf.Tensor1D, b as tf.Tensor1D);
      const cases: [string, (...t: tf.Tensor[]) => tf.Tensor, tf.Tensor[]][] = [
        ["layerNorm", ln, [x, g, b]],
        ["gelu", gelu, [x]],
      ];
      for (const [name, f, inputs] of cases) {
        const fused = valueAndGrads(f, inputs, m);
        const chains = withoutFusedKernels(() => valueAndGrads(f, inputs, m));
        assertEquals(fused.length, inputs.length + 1);
        fused.forEach((a, i) =>
          assertEquals(a, chains[i], `${backend} ${name} ${shape}: ${i ? `gradient ${i - 1}` : "value"}`)
        );
      }
      tf.dispose([x, m, g, b]);
    }
    // The attention's weights, with the causal bias of every row and with one bias a row (keys masked).
    const [B, H, T] = [3, 2, 9];
    const scores = tf.tensor(values(B * H * T * T, "scores", 8), [B, H, T, T]);
    const keys = tf.tensor(Array.from({ length: B * T }, (_, i) => (i % T < i / T ? -1e9 : 0)), [B, 1, 1, T]);
    const m = tf.tensor(values(B * H * T * T, "m-att", 1), [B, H, T, T]);
    for (const bias of [causalBias(T), causalBias(T).add(keys)]) {
      const f = (s: tf.Tensor) => attentionWeights(s as tf.Tensor4D, 1 / Math.sqrt(32), bias);
      const [fused, chains] = [valueAndGrads(f, [scores], m), withoutFusedKernels(() => valueAndGrads(f, [scores], m))];
      fused.forEach((a, i) => assertEquals(a, chains[i], `${backend} attention, bias [${bias.shape}]: ${i}`));
    }
  }
  await useBackend("cpu");
  assert(!fusedKernelsActive(), "the cpu backend runs the tfjs chains");
  await useBackend("wasm-ort");
});

Deno.test("fused kernels: sums over rows give the bits of ONNX Runtime's product with a row of ones, and only there", async () => {
  await useBackend("wasm-ort");
  assert(columnSumsMatchProduct() && fusedColumnSumsActive(), "wasm-ort takes the fused column sums");
  // Every remainder of the rows by four (ONNX Runtime adds them in groups of 4, then 2, then 1), widths of the
  // model's sums and none a multiple of four.
  for (
    const [rows, n] of [[1, 3], [2, 128], [3, 33], [4, 5], [5, 128], [6, 200], [7, 128], [651, 128], [946, 512], [
      2083,
      37,
    ]]
  ) {
    const x = tf.tensor2d(values(rows * n, `rows${rows}x${n}`, 1e3), [rows, n]);
    const product = tf.matMul(tf.ones([1, rows]), x).dataSync() as Float32Array;
    assertEquals(fusedColumnSums(x).dataSync() as Float32Array, product, `${rows} × ${n}`);
    x.dispose();
  }
  // XNNPACK's product sums in another order: the probe sees it and the products stay.
  await useBackend("wasm");
  assert(!columnSumsMatchProduct() && !fusedColumnSumsActive(), "wasm keeps its products for sums over rows");
  await useBackend("wasm-ort");
});

Deno.test("fused kernels: training steps of a policy end at the same weights as with the tfjs chains", async () => {
  await useBackend("wasm-ort");
  const config = { vocabSize: 24, dModel: 20, layers: 2, heads: 2, context: 16 };
  const r = rng(3, "fused-steps");
  const ids = () => tf.tensor2d(Array.from({ length: 6 * 16 }, () => r.int(config.vocabSize)), [6, 16], "int32");
  const [tokens, targets] = [ids(), ids()];
  // Adam's steps too (one fused kernel a variable): clipped (at 0.5, below the gradient norms) and not (at 10).
  const train = () => {
    const policy = createPolicy(config, 5), trainers = [new Trainer(policy, 0.5), new Trainer(policy, 10)];
    const norms = trainers.flatMap((trainer) =>
      [0, 1].map(() =>
        trainer.step(() => {
          const { logp, entropy } = logProbAndEntropy(policy.forward(tokens).logits, targets);
          return tf.neg(tf.mean(logp).add(tf.mean(entropy).mul(0.1))) as tf.Scalar;
        }, 1e-2).gradNorm
      )
    );
    const weights = policy.variables.map((v) => v.dataSync() as Float32Array);
    const moments = trainers.flatMap((t) => t.exportState().moments);
    policy.dispose();
    return { weights, moments, norms };
  };
  const start = createPolicy(config, 5), initial = start.variables.map((v) => v.dataSync() as Float32Array);
  start.dispose();
  const [fused, chains] = [train(), withoutFusedKernels(train)];
  assert(fused.norms.slice(0, 2).every((n) => n > 0.5) && fused.norms.slice(2).every((n) => n < 10), `${fused.norms}`);
  assert(fused.weights.every((w, i) => w.some((v, j) => v !== initial[i][j])), "the steps moved every weight");
  fused.weights.forEach((w, i) => assertEquals(w, chains.weights[i], `weight ${i}`));
  assertEquals(fused.moments.length, 4 * initial.length);
  fused.moments.forEach((m, i) => assertEquals(m, chains.moments[i], `Adam's moment ${i}`));
});
