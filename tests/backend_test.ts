import { assert, assertEquals, assertRejects } from "./testing.ts";
import { BackendError, tf, useBackend } from "../harness/backend.ts";
import { getConfig } from "../harness/config.ts";
import { createPolicy, logProbAndEntropy, type Policy, policyFromArrays } from "../harness/model.ts";
import { rng } from "../harness/rng.ts";

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
  await assertRejects(() => useBackend("tpu"), /unknown backend "tpu"; choose one of: wasm, cpu, tensorflow/);
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

Deno.test("backends: wasm's heap-to-heap Slice gives the cpu backend's values, contiguous or strided", async () => {
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
      )
    );
  try {
    assertEquals(await sliced("wasm"), await sliced("cpu"));
  } finally {
    await useBackend("wasm");
  }
});
