/**
 * The two rollout engines compute the same policy: the ONNX export run by ONNX Runtime against the
 * tfjs forward pass, with and without the KV cache, after a weight refresh, and as the stand-alone
 * `policy.onnx`; sampling from one seeded stream gives the same tokens.
 */
import type * as Ort from "onnxruntime-node";
import { onnxRuntime } from "../harness/backend/onnx_runtime.ts";
import { assert, assertEquals } from "./testing.ts";
import { DEFAULT_BACKEND, tf, useBackend } from "../harness/backend/backend.ts";
import { getConfig } from "../harness/config.ts";
import { createPolicy, logProbAndEntropy, type ModelConfig, type Policy } from "../harness/model/model.ts";
import { attentionBias, type Feed, MASKED, type RolloutEngine } from "../harness/rollout/engine.ts";
import { TfjsEngine } from "../harness/rollout/tfjs_engine.ts";
import { OnnxEngine } from "../harness/rollout/onnx_engine.ts";
import { SLOT_BLOCK } from "../harness/rollout/slot_cache.ts";
import { cacheNames, policyOnnx, weightsOf } from "../harness/model/onnx_export.ts";
import { sample } from "../harness/rollout/sampler.ts";
import { rng } from "../harness/core/rng.ts";
import { BOS, SEP } from "../harness/text/tokenizer.ts";

await useBackend(DEFAULT_BACKEND);

const MODEL: ModelConfig = getConfig("default").model;

/** Largest absolute difference of two equal-length arrays. */
function maxDiff(a: Float32Array, b: Float32Array): number {
  assertEquals(a.length, b.length);
  return a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
}

/** Seeded random token rows, [rows, time]. */
function randomTokens(rows: number, time: number, seed: number): number[] {
  const r = rng(seed, "engine-test");
  return Array.from({ length: rows * time }, () => r.int(MODEL.vocabSize));
}

/** Feed `tokens` ([rows, time]) to a fresh decoder of `engine` in chunks of `chunks` tokens; the last logits of each. */
async function decodeInChunks(engine: RolloutEngine, tokens: number[], rows: number, chunks: number[]) {
  const time = tokens.length / rows;
  const decoder = engine.decoder(rows);
  const keys: number[][] = Array.from({ length: rows }, () => []);
  const out: Float32Array[] = [];
  let start = 0;
  for (const n of chunks) {
    const feed: Feed = {
      tokens: Array.from({ length: rows }, (_, b) => tokens.slice(b * time + start, b * time + start + n)).flat(),
      positions: Array.from({ length: rows }, () => Array.from({ length: n }, (_, j) => start + j)).flat(),
      time: n,
      keys: keys.map((k) => (k.push(...Array(n).fill(1)), k)),
    };
    out.push(await decoder.feed(feed));
    start += n;
  }
  decoder.close();
  assertEquals(start, time);
  return out;
}

/** Perturb every weight of `policy` a little (a stand-in for an update). */
function perturb(policy: Policy, seed: number): void {
  const r = rng(seed, "perturb");
  for (const v of policy.variables) {
    v.assign(tf.tidy(() => v.add(tf.tensor(Float32Array.from({ length: v.size }, () => r.normal() * 0.05), v.shape))));
  }
}

Deno.test("engines", async (t) => {
  const policy = createPolicy(MODEL, 11);
  const tfjs = new TfjsEngine(policy), onnx = await OnnxEngine.create(policy);

  await t.step("attention bias: padded keys and later new tokens masked, spare slots masked", () => {
    const bias = attentionBias({ tokens: [7, 8], positions: [0, 1], time: 2, keys: [[0, 1, 1, 1]] }, 3);
    const M = MASKED;
    // Past slots: padded, real, spare; then the two new tokens, causal.
    assertEquals([...bias], [M, 0, M, 0, M, M, 0, M, 0, 0]);
  });

  await t.step("the same logits to 1e-4: prefill, then decoding one token at a time past a slot block", async () => {
    const rows = 3, time = 2 * SLOT_BLOCK + 5;
    const tokens = randomTokens(rows, time, 1);
    const chunks = [7, ...Array(time - 7).fill(1)];
    const [a, b] = [await decodeInChunks(tfjs, tokens, rows, chunks), await decodeInChunks(onnx, tokens, rows, chunks)];
    const worst = Math.max(...a.map((x, i) => maxDiff(x, b[i])));
    assert(worst < 1e-4, `largest logit difference ${worst}`);
    const whole = await decodeInChunks(onnx, tokens, rows, [time]);
    assert(maxDiff(whole[0], b.at(-1)!) < 1e-4, "cache vs one pass");
  });

  await t.step("after an update, refresh() takes up the new weights", async () => {
    const tokens = randomTokens(2, 9, 2);
    const before = (await decodeInChunks(onnx, tokens, 2, [9]))[0];
    perturb(policy, 3);
    const stale = (await decodeInChunks(onnx, tokens, 2, [9]))[0];
    assertEquals(stale, before, "weights are taken only on refresh");
    await onnx.refresh();
    const fresh = (await decodeInChunks(onnx, tokens, 2, [9]))[0];
    const expected = (await decodeInChunks(tfjs, tokens, 2, [9]))[0];
    assert(maxDiff(fresh, expected) < 1e-4 && maxDiff(fresh, before) > 1e-3);
  });

  await t.step("seeded sampling gives the same tokens on both engines", async () => {
    const r = rng(4, "prompts");
    const prompts = Array.from(
      { length: 48 },
      () => [BOS, ...Array.from({ length: r.range(2, 12) }, () => r.int(MODEL.vocabSize)), SEP],
    );
    const opts = (seed: number) => ({ temperature: 1, maxNew: 40, rng: rng(seed, "draws") });
    const [a, b] = [await sample(tfjs, prompts, opts(5)), await sample(onnx, prompts, opts(5))];
    const same = a.filter((s, i) => s.tokens.join() === b[i].tokens.join()).length;
    assert(same >= 46, `${same} of 48 rows sampled the same tokens`);
    for (let i = 0; i < a.length; i++) {
      if (a[i].tokens.join() !== b[i].tokens.join()) continue;
      assert(maxDiff(a[i].logp, b[i].logp) < 1e-4 && maxDiff(a[i].entropy, b[i].entropy) < 1e-4, `row ${i}`);
    }
    assertEquals((await sample(onnx, prompts, opts(5))).map((s) => s.tokens), b.map((s) => s.tokens), "rerun");
    for (const temperature of [0, 0.6, 1]) { // unscored (evaluation): the same draws, no scores
      const scored = await sample(onnx, prompts, { ...opts(6), temperature });
      const bare = await sample(onnx, prompts, { ...opts(6), temperature, scores: false });
      assertEquals(
        bare.map((s) => [s.tokens, s.finished]),
        scored.map((s) => [s.tokens, s.finished]),
        `T ${temperature}`,
      );
      assert(bare.every((s) => s.logp.length === 0 && s.entropy.length === 0));
      assert(scored.every((s) => s.logp.length === s.tokens.length && s.logp.every(Number.isFinite)));
    }
  });

  await t.step("finished rows leave the batch: every row samples as it would alone (greedy)", async () => {
    const r = rng(7, "prompts");
    const prompts = Array.from(
      { length: 12 },
      () => [BOS, ...Array.from({ length: r.range(1, 9) }, () => r.int(MODEL.vocabSize)), SEP],
    );
    const maxNew = prompts.map((_, i) => 3 + 4 * i); // rows run out one after another
    for (const engine of [tfjs, onnx]) {
      const together = await sample(engine, prompts, { temperature: 0, maxNew, rng: rng(0) });
      for (const [i, p] of prompts.entries()) {
        const [alone] = await sample(engine, [p], { temperature: 0, maxNew: maxNew[i], rng: rng(0) });
        assertEquals(together[i].tokens, alone.tokens, `${engine.name} row ${i}`);
        assert(maxDiff(together[i].logp, alone.logp) < 1e-5, `${engine.name} row ${i} log-probs`);
      }
    }
  });

  await t.step(
    "rows with the same prompt share one prefill and sample as the full forward pass scores them",
    async () => {
      const r = rng(8, "prompts");
      const distinct = [3, 9, 6].map((n) => [BOS, ...Array.from({ length: n }, () => r.int(MODEL.vocabSize)), SEP]);
      const prompts = [0, 1, 0, 2, 1, 0].map((u) => distinct[u]);
      for (const engine of [tfjs, onnx]) {
        const batches: number[] = []; // the rows of each decoder the sampler starts
        const spy = Object.assign(Object.create(engine), {
          decoder: (rows: number) => (batches.push(rows), engine.decoder(rows)),
        }) as RolloutEngine;
        const out = await sample(spy, prompts, { temperature: 1, maxNew: 12, rng: rng(9, "draws") });
        assertEquals(batches, [3], `${engine.name}: one prefill row per distinct prompt`);
        assert(new Set(out.map((s) => s.tokens.join())).size > 3, "rows of one prompt drew different tokens");
        out.forEach((s, i) => {
          const seq = [...prompts[i], ...s.tokens], T = seq.length - 1;
          const lp = tf.tidy(() => {
            const logits = policy.forward(tf.tensor2d(seq.slice(0, -1), [1, T], "int32")).logits;
            return logProbAndEntropy(logits, tf.tensor2d(seq.slice(1), [1, T], "int32")).logp
              .dataSync() as Float32Array;
          }).slice(prompts[i].length - 1);
          assert(maxDiff(lp, s.logp) < 1e-4, `${engine.name} row ${i}: ${maxDiff(lp, s.logp)}`);
        });
      }
    },
  );

  await t.step("policy.onnx with the weights inside loads in a fresh session and agrees", async () => {
    const ort = await onnxRuntime("the engine tests");
    const session = await ort.InferenceSession.create(policyOnnx(MODEL, weightsOf(policy)));
    const rows = 2, time = 6, H = MODEL.heads, dh = MODEL.dModel / H;
    const tokens = randomTokens(rows, time, 6);
    const feeds: Record<string, Ort.Tensor> = {
      tokens: new ort.Tensor("int64", BigInt64Array.from(tokens, BigInt), [rows, time]),
      positions: new ort.Tensor("int64", BigInt64Array.from(tokens, (_, i) => BigInt(i % time)), [rows, time]),
      bias: new ort.Tensor(
        "float32",
        attentionBias({ tokens, positions: [], time, keys: [Array(time).fill(1), Array(time).fill(1)] }, 0),
        [rows, 1, time, time],
      ),
    };
    for (let l = 0; l < MODEL.layers; l++) {
      feeds[cacheNames(l).pastK] = new ort.Tensor("float32", new Float32Array(0), [rows, H, 0, dh]);
      feeds[cacheNames(l).pastV] = new ort.Tensor("float32", new Float32Array(0), [rows, H, 0, dh]);
    }
    const logits = (await session.run(feeds)).logits.data as Float32Array;
    const expected = tf.tidy(() =>
      policy.forward(tf.tensor2d(tokens, [rows, time], "int32")).logits.dataSync() as Float32Array
    );
    assert(maxDiff(logits, expected) < 1e-4);
    await session.release();
  });

  await onnx.dispose();
  policy.dispose();
});
