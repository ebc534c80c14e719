import { assert, assertEquals, assertRejects, assertThrows } from "./testing.ts";
import { BackendError, tf, useBackend } from "../harness/backend/backend.ts";
import { getConfig } from "../harness/config.ts";
import { createPolicy, logProbAndEntropy, type Policy, policyFromArrays } from "../harness/model/model.ts";
import { rng } from "../harness/core/rng.ts";

/** Log-probs and entropies of `seqs` (next-token targets) under `policy`, on the active backend. */
function tokenStats(policy: Policy, seqs: number[][]): Float32Array[] {
  return tf.tidy(() => {
    const [B, T] = [seqs.length, seqs[0].length - 1];
    const input = tf.tensor2d(seqs.flatMap((s) => s.slice(0, -1)), [B, T], "int32");
    const target = tf.tensor2d(seqs.flatMap((s) => s.slice(1)), [B, T], "int32");
    const { logp, entropy } = logProbAndEntropy(policy.forward(input).logits, target);
    return [logp.dataSync() as Float32Array, entropy.dataSync() as Float32Array];
  });
}

/** Largest absolute difference of two equal-length arrays. */
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

Deno.test("backends: an optional one that is not installed is refused with the install command, nothing fetched", async () => {
  await useBackend("wasm");
  const lock = await Deno.readTextFile(new URL("../deno.lock", import.meta.url));
  await assertRejects(
    () => useBackend("tensorflow-gpu"),
    (e: Error) =>
      e instanceof BackendError &&
      /^backend tensorflow-gpu is not installed \(@tensorflow\/tfjs-node-gpu is optional\); install it with `deno add npm:@tensorflow\/tfjs-node-gpu@4\.22\.0 && deno install --allow-scripts=npm:@tensorflow\/tfjs-node-gpu@4\.22\.0` on a machine with an NVIDIA driver, CUDA 11\.2 and cuDNN 8\.1, or use --backend wasm$/
        .test(e.message),
  );
  await assertRejects(() => useBackend("tensorflow"), /^BackendError: backend tensorflow is not installed/);
  await assertRejects(() => useBackend("tpu"), /unknown backend "tpu"; choose one of: wasm-ort, wasm, cpu, tensorflow/);
  assertEquals(await Deno.readTextFile(new URL("../deno.lock", import.meta.url)), lock, "deno.lock untouched");
  assertEquals(tf.getBackend(), "wasm", "the active backend is unchanged");
});

Deno.test("backends: wasm and cpu give the default model's log-probs and entropies to 1e-4", async () => {
  const model = getConfig("default").model;
  const r = rng(3, "backend-test");
  const seqs = Array.from({ length: 4 }, () => Array.from({ length: model.context }, () => r.int(model.vocabSize)));
  await useBackend("wasm");
  const onWasm = createPolicy(model, 5);
  const weights = new Map(onWasm.params.map(([name, v]) => [name, v.dataSync() as Float32Array]));
  const wasm = tokenStats(onWasm, seqs);
  onWasm.dispose();
  await useBackend("cpu");
  try {
    const onCpu = policyFromArrays(model, weights);
    const cpu = tokenStats(onCpu, seqs);
    onCpu.dispose();
    const [dLogp, dEntropy] = [maxDiff(wasm[0], cpu[0]), maxDiff(wasm[1], cpu[1])];
    assert(dLogp <= 1e-4 && dEntropy <= 1e-4, `log-prob Δ ${dLogp}, entropy Δ ${dEntropy}`);
  } finally {
    await useBackend("wasm");
  }
});

Deno.test("backends: wasm's heap-to-heap Slice, SplitV and GatherV2 give the cpu backend's values", async () => {
  const cases: [shape: number[], begin: number[], size: number[]][] = [
    [[5], [1], [3]],
    [[4, 6], [1, 0], [2, 6]],
    [[4, 6], [1, 2], [2, 3]],
    [[6, 7], [0, 6], [6, 1]],
    [[3, 4, 5], [0, 1, 0], [3, 3, 5]],
    [[3, 4, 5], [1, 1, 2], [2, 2, 3]],
    [[3, 4, 5], [0, 0, 4], [-1, -1, 1]],
    [[2, 3, 4, 5], [1, 0, 1, 0], [1, 3, 2, 5]],
    [[2, 3, 4, 5], [0, 1, 1, 1], [2, 2, 3, 4]],
  ];
  const sliced = (backend: string) =>
    useBackend(backend).then(() =>
      cases.flatMap(([shape, begin, size]) =>
        (["float32", "int32"] as const).map((dtype) =>
          tf.tidy(() => {
            const x = tf.tensor(
              Array.from({ length: shape.reduce((a, b) => a * b) }, (_, i) => 3 * i + 1),
              shape,
              dtype,
            );
            return Array.from(tf.slice(x, begin, size).dataSync());
          })
        )
      ).concat(
        [[[4, 6], [1, 2, 3], 1], [[2, 3, 4], [2, 2], 2], [[3, 4, 5], [1, 3], 1], [[5, 2], [2, 3], 0]].flatMap(
          ([shape, sizes, axis]) =>
            tf.tidy(() => {
              const n = (shape as number[]).reduce((a, b) => a * b);
              const x = tf.tensor(Array.from({ length: n }, (_, i) => 2 * i - 7), shape as number[]);
              return tf.split(x, sizes as number[], axis as number).map((t) => Array.from(t.dataSync()));
            }),
        ),
        ([[[5], [4, 0, 4], 0], [[6, 3], [5, 1, 1, 0], 0], [[2, 5, 3], [[4, 0], [2, 2]], 1], [
          [3, 4, 2],
          [1, 0, 1],
          -1,
        ]] as [
          number[],
          number[] | number[][],
          number,
        ][]).flatMap(([shape, indices, axis]) =>
          (["float32", "int32"] as const).map((dtype) =>
            tf.tidy(() => {
              const x = tf.tensor(
                Array.from({ length: shape.reduce((a, b) => a * b) }, (_, i) => 5 * i - 3),
                shape,
                dtype,
              );
              return Array.from(tf.gather(x, tf.tensor(indices, undefined, "int32"), axis).dataSync());
            })
          )
        ),
      )
    );
  try {
    assertEquals(await sliced("wasm"), await sliced("cpu"));
  } finally {
    await useBackend("wasm");
  }
});

Deno.test("backends: the wasm backends' products, transposed operands too, give the cpu backend's values", async () => {
  // [a's shape, b's shape (as stored), transposeA, transposeB]
  const cases: [number[], number[], boolean, boolean][] = [
    [[3, 5, 4], [3, 4, 6], false, false], // batched: XNNPACK per matrix on wasm
    [[2, 3, 7, 5], [2, 3, 5, 2], false, false],
    [[4, 1, 8], [4, 8, 3], false, false], // one row per matrix: wasm's stock kernel
    [[2, 4, 3], [2, 5, 3], false, true],
    [[2, 3, 4], [2, 3, 5], true, false],
    [[2, 2, 3, 4], [2, 2, 5, 3], true, true],
    [[70, 300], [300, 90], false, false], // 2-D: XNNPACK on wasm, ONNX Runtime on wasm-ort
    [[300, 70], [300, 90], true, false],
    [[70, 300], [90, 300], false, true],
    [[1, 33], [17, 33], false, true],
  ];
  const products = (backend: string) =>
    useBackend(backend).then(() =>
      cases.map(([sa, sb, transposeA, transposeB]) =>
        tf.tidy(() => {
          const fill = (shape: number[], seed: number) =>
            tf.tensor(Array.from({ length: shape.reduce((x, y) => x * y) }, (_, i) => Math.sin(seed + i)), shape);
          return tf.matMul(fill(sa, 1), fill(sb, 2), transposeA, transposeB).dataSync() as Float32Array;
        })
      )
    );
  try {
    const cpu = await products("cpu");
    for (const backend of ["wasm", "wasm-ort"]) {
      const before = tf.memory().numDataBuffers;
      const got = await products(backend);
      got.forEach((w, i) => {
        const [sa, , transposeA] = cases[i];
        // Rounding of a sum of k terms of at most 1, and of its value.
        const tol = 2e-7 * sa.at(transposeA ? -2 : -1)! + 1e-6 * Math.max(1, ...cpu[i].map(Math.abs));
        assert(maxDiff(w, cpu[i]) <= tol, `${backend} case ${i}: ${maxDiff(w, cpu[i])} > ${tol}`);
      });
      assertEquals(tf.memory().numDataBuffers, before, `${backend}: no buffer left behind`);
    }
  } finally {
    await useBackend("wasm");
  }
});

Deno.test("backends: wasm's GatherV2 refuses an index out of range, naming it", async () => {
  await useBackend("wasm");
  const x = tf.tensor([1, 2, 3, 4, 5]);
  assertThrows(() => tf.gather(x, tf.tensor1d([1, 5], "int32")), /gather: index 5 is not in \[0, 4\]/);
  assertThrows(() => tf.gather(x, tf.tensor1d([-1], "int32")), /gather: index -1 is not in \[0, 4\]/);
  x.dispose();
});

Deno.test("backends: wasm's Identity and same-dtype Cast share their input's memory, freed once none is held", async () => {
  await useBackend("wasm");
  const before = tf.memory().numDataBuffers;
  const x = tf.tensor([1, 2, 3, 4], [2, 2]);
  const y = tf.engine().runKernel("Identity", { x }) as tf.Tensor;
  const z = tf.cast(x, "float32");
  assertEquals(tf.memory().numDataBuffers, before + 1, "one buffer for all three");
  assertEquals(tf.tidy(() => Array.from(tf.cast(x, "int32").dataSync())), [1, 2, 3, 4], "another dtype is converted");
  z.dispose();
  x.dispose();
  assertEquals(Array.from(y.dataSync()), [1, 2, 3, 4]);
  y.dispose();
  assertEquals(tf.memory().numDataBuffers, before);
});

Deno.test("backends: Mean's gradient is dy / count at every input it averaged, as tfjs's own (float32, bit for bit)", async () => {
  await useBackend("wasm");
  const w = Float32Array.from({ length: 6 }, (_, i) => 0.7 * i - 1.3);
  const [last, outer] = tf.tidy(() => {
    const x = tf.tensor(Array.from({ length: 24 }, (_, i) => Math.sin(i) * 3), [2, 3, 4]);
    return [
      tf.grad((t) => tf.sum(tf.mean(t, -1, true).mul(tf.tensor(w, [2, 3, 1]))))(x),
      tf.grad((t) => tf.sum(tf.mean(t, [0, 2]).mul(tf.tensor(w.slice(0, 3)))))(x),
    ].map((g) => Array.from(g.dataSync()));
  });
  assertEquals(last, Array.from({ length: 24 }, (_, i) => Math.fround(w[Math.floor(i / 4)] / 4)));
  assertEquals(outer, Array.from({ length: 24 }, (_, i) => Math.fround(w[Math.floor(i / 4) % 3] / 8)));
});

Deno.test("importing backend.ts replaces no kernel and no gradient; the first useBackend does", async () => {
  // In a fresh process: this one has called useBackend already.
  const code = `
    import * as tf from "@tensorflow/tfjs";
    import "@tensorflow/tfjs-backend-wasm";
    const kernel = () => tf.getKernel("Slice", "wasm").kernelFunc, gradient = () => tf.getGradient("Mean").gradFunc;
    const stock = [kernel(), gradient()];
    const { useBackend } = await import("./harness/backend/backend.ts");
    const imported = [kernel() === stock[0], gradient() === stock[1]];
    await useBackend("wasm");
    console.log(JSON.stringify([imported, [kernel() === stock[0], gradient() === stock[1]]]));`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", code],
    cwd: new URL("../", import.meta.url),
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(out.success, new TextDecoder().decode(out.stderr));
  assertEquals(JSON.parse(new TextDecoder().decode(out.stdout)), [[true, true], [false, false]]);
});
