import { assert, assertEquals } from "./testing.ts";
import { tf, useBackend } from "../harness/backend/backend.ts";
import { fusedKernelsActive, withoutFusedKernels } from "../harness/backend/fused_kernels.ts";
import { createPolicy, gelu, layerNorm, logProbAndEntropy } from "../harness/model/model.ts";
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

Deno.test("fused kernels: LayerNorm and GELU give the tfjs chains' values and gradients bit for bit, on both wasm backends", async () => {
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
  }
  await useBackend("cpu");
  assert(!fusedKernelsActive(), "the cpu backend runs the tfjs chains");
  await useBackend("wasm-ort");
});

Deno.test("fused kernels: training steps of a policy end at the same weights as with the tfjs chains", async () => {
  await useBackend("wasm-ort");
  const config = { vocabSize: 24, dModel: 20, layers: 2, heads: 2, context: 16 };
  const r = rng(3, "fused-steps");
  const ids = () => tf.tensor2d(Array.from({ length: 6 * 16 }, () => r.int(config.vocabSize)), [6, 16], "int32");
  const [tokens, targets] = [ids(), ids()];
  const train = () => {
    const policy = createPolicy(config, 5), trainer = new Trainer(policy, 1);
    for (let i = 0; i < 3; i++) {
      trainer.step(() => {
        const { logp, entropy } = logProbAndEntropy(policy.forward(tokens).logits, targets);
        return tf.neg(tf.mean(logp).add(tf.mean(entropy).mul(0.1))) as tf.Scalar;
      }, 1e-2);
    }
    const weights = policy.variables.map((v) => v.dataSync() as Float32Array);
    policy.dispose();
    return weights;
  };
  const start = createPolicy(config, 5), initial = start.variables.map((v) => v.dataSync() as Float32Array);
  start.dispose();
  const [fused, chains] = [train(), withoutFusedKernels(train)];
  assert(fused.every((w, i) => w.some((v, j) => v !== initial[i][j])), "the steps moved every weight");
  fused.forEach((w, i) => assertEquals(w, chains[i], `weight ${i}`));
});
