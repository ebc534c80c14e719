import { assert, assertEquals, assertRejects, assertThrows } from "./testing.ts";
import { DEFAULT_BACKEND, tf, useBackend } from "../harness/backend/backend.ts";
import {
  affine,
  causalBias,
  createPolicy,
  gelu,
  layerNorm,
  logProbAndEntropy,
  type ModelConfig,
} from "../harness/model/model.ts";
import { sample } from "../harness/rollout/sampler.ts";
import { TfjsEngine } from "../harness/rollout/tfjs_engine.ts";
import { rng } from "../harness/core/rng.ts";
import { loadCheckpoint, saveCheckpoint, weightBytes } from "../harness/model/checkpoint.ts";
import { BOS, EOS, SEP, TOKENIZER_ID } from "../harness/text/tokenizer.ts";

await useBackend(DEFAULT_BACKEND);

const TINY: ModelConfig = { vocabSize: 16, dModel: 8, layers: 2, heads: 2, context: 12 };

function lossOf(policy: ReturnType<typeof createPolicy>, tokens: number[][], targets: number[][]): tf.Scalar {
  const [B, T] = [tokens.length, tokens[0].length];
  const logits = policy.forward(tf.tensor2d(tokens.flat(), [B, T], "int32")).logits;
  const { logp } = logProbAndEntropy(logits, tf.tensor2d(targets.flat(), [B, T], "int32"));
  return tf.neg(tf.mean(logp)) as tf.Scalar;
}

Deno.test("model", async (t) => {
  await t.step(
    "affine's gradients (bias through a row of ones) equal tfjs's own; GELU is the tanh formula, its gradient that formula's",
    () => {
      tf.tidy(() => {
        const x = tf.randomNormal([6, 4], 0, 1, "float32", 4), w = tf.randomNormal([4, 3], 0, 1, "float32", 5);
        const b = tf.randomNormal([3], 0, 1, "float32", 6), m = tf.randomNormal([6, 3], 0, 1, "float32", 7);
        const ours = tf.grads((x, w, b) => tf.sum(affine(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D).mul(m)))(
          [
            x,
            w,
            b,
          ],
        );
        const theirs = tf.grads((x, w, b) => tf.sum(tf.matMul(x, w).add(b).mul(m)))([x, w, b]);
        for (let i = 0; i < 3; i++) {
          const diff = tf.max(tf.abs(ours[i].sub(theirs[i]))).dataSync()[0];
          assert(diff < 1e-5, `gradient ${i} differs by ${diff}`);
        }
        const z = tf.linspace(-6, 6, 241);
        const tanhForm = z.mul(0.5).mul(tf.tanh(z.add(z.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI))).add(1));
        const diff = tf.max(tf.abs(gelu(z).sub(tanhForm))).dataSync()[0];
        assert(diff < 1e-6, `GELU differs from the tanh formula by ${diff}`);
        const tanhGelu = (t: tf.Tensor) =>
          t.mul(0.5).mul(tf.tanh(t.add(t.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI))).add(1));
        const dz = tf.max(tf.abs(tf.grad(gelu)(z).sub(tf.grad(tanhGelu)(z)))).dataSync()[0];
        assert(dz < 1e-5, `GELU's written-out gradient differs from autodiff's of the tanh formula by ${dz}`);
      });
    },
  );

  await t.step("layerNorm's written-out gradients equal autodiff's through moments", () => {
    tf.tidy(() => {
      const x = tf.randomNormal([2, 5, 8], 0, 2, "float32", 9), m = tf.randomNormal([2, 5, 8], 0, 1, "float32", 10);
      const g = tf.randomNormal([8], 1, 0.3, "float32", 11) as tf.Tensor1D;
      const b = tf.randomNormal([8], 0, 0.3, "float32", 12) as tf.Tensor1D;
      const reference = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const { mean, variance } = tf.moments(x, -1, true);
        return x.sub(mean).mul(tf.rsqrt(variance.add(1e-5))).mul(g).add(b);
      };
      const ours = tf.grads((x, g, b) => tf.sum(layerNorm(x, g as tf.Tensor1D, b as tf.Tensor1D).mul(m)))([x, g, b]);
      const theirs = tf.grads((x, g, b) => tf.sum(reference(x, g, b).mul(m)))([x, g, b]);
      const value = tf.max(tf.abs(layerNorm(x, g, b).sub(reference(x, g, b)))).dataSync()[0];
      assert(value < 1e-6, `value differs by ${value}`);
      for (let i = 0; i < 3; i++) {
        const diff = tf.max(tf.abs(ours[i].sub(theirs[i]))).dataSync()[0];
        assert(diff < 1e-5, `gradient ${i} differs by ${diff}`);
      }
    });
  });

  await t.step("finite differences agree with the gradient of the whole model", () => {
    const p = createPolicy(TINY, 11);
    const tokens = [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12]];
    const targets = [[2, 3, 4, 5, 6, 7], [8, 9, 10, 11, 12, 13]];
    const grads = tf.variableGrads(() => lossOf(p, tokens, targets), p.variables).grads;
    const r = rng(0, "fd");
    let checked = 0;
    for (const [name, v] of p.params) {
      const g = grads[v.name].dataSync();
      const base = v.dataSync().slice() as Float32Array;
      for (let k = 0; k < 2; k++) {
        const i = r.int(v.size);
        const eps = 1e-2;
        const at = (d: number) => {
          const w = base.slice();
          w[i] += d;
          v.assign(tf.tensor(w, v.shape));
          return tf.tidy(() => lossOf(p, tokens, targets).dataSync()[0]);
        };
        const fd = (at(eps) - at(-eps)) / (2 * eps);
        v.assign(tf.tensor(base, v.shape));
        const err = Math.abs(fd - g[i]);
        assert(err < 2e-3 + 0.05 * Math.abs(g[i]), `${name}[${i}]: finite difference ${fd}, gradient ${g[i]}`);
        checked++;
      }
    }
    assert(checked >= 2 * p.params.length);
    tf.dispose(Object.values(grads));
    p.dispose();
  });

  await t.step(
    "forward from a position gives the full pass's logits and gradients there (bit for bit on wasm)",
    async () => {
      for (const backend of ["wasm", "wasm-ort"]) {
        await useBackend(backend);
        const p = createPolicy(TINY, 12);
        const [B, T, from] = [3, 7, 4];
        const tokens = tf.tensor2d(Array.from({ length: B * T }, (_, i) => (i * 5) % 16), [B, T], "int32");
        const bias = causalBias(T).add(
          tf.tensor([0, 0, 0, 0, 0, 0, 0, -1e9, 0, 0, 0, 0, 0, 0, -1e9, -1e9, 0, 0, 0, 0, 0], [B, 1, 1, T]),
        );
        const w = tf.randomNormal([B, T - from, TINY.vocabSize], 0, 1, "float32", 8);
        const full = () => tf.slice(p.forward(tokens, { bias }).logits, [0, from, 0], [B, T - from, -1]);
        const part = () => p.forward(tokens, { bias, from }).logits;
        const loss = (f: () => tf.Tensor) => () => tf.sum(f().mul(w)) as tf.Scalar;
        assertEquals(part().shape, [B, T - from, TINY.vocabSize]);
        assertEquals(part().dataSync(), full().dataSync(), `${backend}: logits`);
        const [a, b] = [tf.variableGrads(loss(full), p.variables), tf.variableGrads(loss(part), p.variables)];
        for (const v of p.variables) {
          const [got, want] = [b.grads[v.name].dataSync(), a.grads[v.name].dataSync()];
          if (backend === "wasm") assertEquals(got, want, `${backend}: ${v.name}`);
          // ONNX Runtime sums a one-row product (a sum over rows: ones · dy) in an order that the
          // rows of zeros of the full pass change, so those round differently (to the tensor's scale).
          else {
            const scale = Math.max(...want.map(Math.abs));
            got.forEach((g, i) => assert(Math.abs(g - want[i]) <= 1e-6 * scale, `${v.name}[${i}]: ${g} vs ${want[i]}`));
          }
        }
        assertThrows(() => p.forward(tokens, { from: T }), /from must be in 0\.\.6, got 7/);
        p.dispose();
      }
      await useBackend(DEFAULT_BACKEND);
    },
  );

  await t.step("the same seed gives the same weights; another seed others", () => {
    const [a, b, c] = [createPolicy(TINY, 1), createPolicy(TINY, 1), createPolicy(TINY, 2)];
    assertEquals(weightBytes(a), weightBytes(b));
    assert(weightBytes(a).some((x, i) => x !== weightBytes(c)[i]));
    [a, b, c].forEach((p) => p.dispose());
  });

  await t.step("KV-cache sampling reproduces the full forward pass's log-probs and entropies", async () => {
    const p = createPolicy(TINY, 3);
    const prompts = [[BOS, 5, 6, SEP], [BOS, 7, SEP]];
    const out = await sample(new TfjsEngine(p), prompts, { temperature: 1, maxNew: 6, rng: rng(1, "s") });
    out.forEach((s, i) => {
      const seq = [...prompts[i], ...s.tokens];
      const T = seq.length - 1;
      tf.tidy(() => {
        const logits = p.forward(tf.tensor2d(seq.slice(0, -1), [1, T], "int32")).logits;
        const { logp, entropy } = logProbAndEntropy(logits, tf.tensor2d(seq.slice(1), [1, T], "int32"));
        const lp = logp.dataSync().slice(prompts[i].length - 1), en = entropy.dataSync().slice(prompts[i].length - 1);
        for (let j = 0; j < s.tokens.length; j++) {
          assert(Math.abs(lp[j] - s.logp[j]) < 1e-4, `row ${i} token ${j}: ${lp[j]} vs ${s.logp[j]}`);
          assert(Math.abs(en[j] - s.entropy[j]) < 1e-4, `row ${i} entropy ${j}`);
        }
      });
      assertEquals(s.finished, s.tokens.at(-1) === EOS);
      assert(s.tokens.length <= 6);
    });
    p.dispose();
  });

  await t.step("sampling is seeded and greedy is deterministic", async () => {
    const p = createPolicy(TINY, 4);
    const prompts = [[BOS, 5, SEP], [BOS, 6, SEP]];
    const run = async (seed: number, temperature: number) =>
      (await sample(new TfjsEngine(p), prompts, { temperature, maxNew: 8, rng: rng(seed) })).map((s) => s.tokens);
    assertEquals(await run(1, 1), await run(1, 1));
    assertEquals(await run(1, 0), await run(2, 0));
    p.dispose();
  });

  await t.step("a training step and sampling leak no tensors", async () => {
    const p = createPolicy(TINY, 5);
    const opt = tf.train.adam(1e-2);
    const step = async () => {
      tf.tidy(() => {
        opt.minimize(() => lossOf(p, [[1, 2, 3]], [[2, 3, 4]]));
      });
      await sample(new TfjsEngine(p), [[BOS, 1, SEP], [BOS, 2, 3, SEP]], { temperature: 1, maxNew: 4, rng: rng(0) });
    };
    await step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await step();
    assertEquals(tf.memory().numTensors, before);
    opt.dispose();
    p.dispose();
  });

  await t.step("checkpoints round-trip; another config or tokenizer, or corrupt weights fail clearly", async () => {
    const dir = await Deno.makeTempDir();
    const p = createPolicy(TINY, 6);
    await saveCheckpoint(dir, p);
    const q = await loadCheckpoint(dir, TINY);
    assertEquals(weightBytes(q), weightBytes(p));
    await assertRejects(() => loadCheckpoint(dir, { ...TINY, dModel: 16 }), /does not match the requested/);
    const meta = JSON.parse(await Deno.readTextFile(`${dir}/model.json`));
    await Deno.writeTextFile(`${dir}/model.json`, JSON.stringify({ ...meta, tokenizer: "v0-00000000" }));
    await assertRejects(
      () => loadCheckpoint(dir),
      new RegExp(
        `checkpoint ${dir}: was made with tokenizer v0-00000000, this build has ${TOKENIZER_ID}; ` +
          "delete that folder; `deno task bench` rebuilds a base model it cannot find",
      ),
    );
    await Deno.writeTextFile(`${dir}/model.json`, JSON.stringify(meta));
    const bytes = await Deno.readFile(`${dir}/weights.bin`);
    await Deno.writeFile(`${dir}/weights.bin`, bytes.slice(0, bytes.length - 4));
    await assertRejects(() => loadCheckpoint(dir, TINY, "FIX"), /weights\.bin does not match its checksum .*; FIX$/);
    await assertRejects(() => loadCheckpoint(`${dir}/missing`), /cannot be read/);
    [p, q].forEach((x) => x.dispose());
    await Deno.remove(dir, { recursive: true });
  });
});
