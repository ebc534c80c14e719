/**
 * The ONNX sentence-model path of the mined Strategic-Gram pipeline, on tiny models built here with
 * `onnx-proto` (ONNX's own protobuf schema) and a WordPiece tokenizer.json: an embedding-table lookup
 * (Gather) stands in for a sentence transformer. Needs `--allow-ffi` for ONNX Runtime's native addon.
 * @module
 */
import { BERT_SPECIALS, fixture, modelBytes, tokenizerJson } from "./sentence_fixture.ts";
import { assert, assertClose, assertEquals, assertMatch, assertRejects } from "./testing.ts";
import { loadSentenceModel, sentenceModelKey } from "../harness/masks/sentence_model.ts";
import { mineGrams } from "../harness/masks/planning_masks.ts";
import { specGridHash } from "../harness/grid/runner.ts";
import { getConfig } from "../harness/config.ts";
import type { RolloutEngine } from "../harness/rollout/engine.ts";
import { mineStrategicGramsWith, strategicGramsJson } from "../harness/masks/strategic_grams.ts";
import { CORPUS, PHRASE_WORDS, PLANTED } from "./planted_corpus.ts";
import { rng } from "../harness/core/rng.ts";
import { SPECIAL, VOCAB } from "../harness/text/vocab.ts";

/** Rows for [PAD], [UNK], [CLS], [SEP], let, us, try, wait: padding that leaked in would show. */
const SMALL_WORDS = ["let", "us", "try", "wait"];
const SMALL_TABLE = [
  [100, 100, 100],
  [0, 0, 3],
  [0, 0, 0],
  [0, 0, 0],
  [3, 0, 0],
  [0, 4, 0],
  [0, 0, 0],
  [2, -1, 2],
];

Deno.test("sentence model: embeddings", async (t) => {
  const dir = await fixture(SMALL_WORDS, SMALL_TABLE);
  const model = await loadSentenceModel(dir);
  try {
    await t.step("mean pooling over the attention mask ([CLS] and [SEP] included), then L2 norm", async () => {
      // [CLS] let us try [SEP]: (3, 4, 0) / 5; [CLS] us [SEP] and [CLS] wait [SEP] are padded with [PAD].
      const texts = ["let us try", "us", "wait", "banana us"];
      const vs = await model.embed(texts);
      assertEquals(vs.length, 4);
      assertClose(vs[0], [0.6, 0.8, 0]);
      assertClose(vs[1], [0, 1, 0]);
      assertClose(vs[2], [2 / 3, -1 / 3, 2 / 3]);
      assertClose(vs[3], [0, 0.8, 0.6]); // unknown word: [UNK]'s row (0, 0, 3)
      assertEquals(await model.embed([]), []);
    });

    await t.step("batching changes no vector; the id is the model's SHA-256 prefix", async () => {
      const texts = ["let us try", "us", "wait", "try try", "let", "us let us"];
      const one = await loadSentenceModel(dir, { batchSize: 1 });
      try {
        const whole = await model.embed(texts), single = await one.embed(texts);
        whole.forEach((v, i) => assertClose(single[i], Array.from(v)));
        assertEquals(one.id, model.id);
        assertMatch(model.id, /^onnx:[0-9a-f]{12}$/);
      } finally {
        await one.dispose();
      }
    });
  } finally {
    await model.dispose();
    await Deno.remove(dir, { recursive: true });
  }

  await t.step("a pooled sentence_embedding output is used as it is, then normalised", async () => {
    const pooled = await fixture(SMALL_WORDS, SMALL_TABLE, { output: "sentence_embedding" });
    const m = await loadSentenceModel(pooled);
    try {
      const vs = await m.embed(["let us try", "us try let"]);
      vs.forEach((v) => assertClose(v, [0.6, 0.8, 0]));
    } finally {
      await m.dispose();
      await Deno.remove(pooled, { recursive: true });
    }
  });
});

Deno.test("the content key: the same files anywhere give it, another byte changes it; mining checks it", async () => {
  const a = await fixture(SMALL_WORDS, SMALL_TABLE), b = await fixture(SMALL_WORDS, SMALL_TABLE);
  try {
    const key = await sentenceModelKey(a);
    assertMatch(key, /^sha256:[0-9a-f]{64}$/);
    assertEquals(await sentenceModelKey(b), key);
    await Deno.writeTextFile(`${b}/tokenizer_config.json`, "{}");
    const changed = await sentenceModelKey(b);
    assert(changed !== key);
    const cfg = getConfig("smoke");
    cfg.mining = { ...cfg.mining, sentenceModel: b, sentenceModelKey: key };
    const path = { ...cfg, mining: { ...cfg.mining, sentenceModelKey: undefined } };
    await assertRejects(
      () => specGridHash({ cfg: path, backend: "wasm-ort", engine: "onnx" }),
      /mining\.sentenceModel .* has no sentenceModelKey; make the grid with benchSpec/,
    );
    // The check comes before any sampling, so no engine is needed to reach it.
    await assertRejects(
      () => mineGrams(cfg, {} as RolloutEngine, [], 1),
      new RegExp(`sentence model ${b} changed since this grid was made \\(${key} then, ${changed} now\\)`),
    );
  } finally {
    await Deno.remove(a, { recursive: true });
    await Deno.remove(b, { recursive: true });
  }
});

Deno.test("sentence model: clear errors for bad folders and models", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "sentence_model_" });
  const tokenizer = tokenizerJson(SMALL_WORDS);
  const reject = (path: string, message: RegExp) => assertRejects(() => loadSentenceModel(path), message);
  try {
    await t.step("missing folder, a file instead of a folder", async () => {
      await reject(`${dir}/nowhere`, /sentence model folder .*nowhere does not exist: .*model\.onnx .*tokenizer\.json/);
      await Deno.writeTextFile(`${dir}/file`, "");
      await reject(`${dir}/file`, /file is not a folder/);
    });

    await t.step("missing model.onnx or tokenizer.json", async () => {
      await reject(dir, new RegExp(`${dir}/model\\.onnx is missing: a sentence-model folder holds model\\.onnx`));
      await Deno.writeFile(`${dir}/model.onnx`, modelBytes(SMALL_TABLE));
      await reject(dir, new RegExp(`${dir}/tokenizer\\.json is missing`));
    });

    await t.step("a tokenizer.json that is not one", async () => {
      await Deno.writeTextFile(`${dir}/tokenizer.json`, "{}");
      await reject(dir, /tokenizer\.json: not a Hugging Face tokenizer\.json/);
    });

    await t.step("a model.onnx that is not ONNX, or has other inputs or outputs", async () => {
      await Deno.writeTextFile(`${dir}/tokenizer.json`, tokenizer);
      await Deno.writeTextFile(`${dir}/model.onnx`, "not a model");
      await reject(dir, /model\.onnx: ONNX Runtime cannot load it/);
      await Deno.writeFile(`${dir}/model.onnx`, modelBytes(SMALL_TABLE, { inputs: ["ids", "attention_mask"] }));
      await reject(dir, /model\.onnx: inputs ids \(int64\), attention_mask \(int64\), but a sentence model takes/);
      await Deno.writeFile(`${dir}/model.onnx`, modelBytes(SMALL_TABLE, { output: "logits" }));
      await reject(dir, /model\.onnx: outputs logits, but a sentence model gives last_hidden_state/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * A sentence model that knows planning language: phrase words lie near one axis, every other word
 * near another, each with a small seeded offset in 6 more dimensions; special tokens are zero.
 */
function plannerTable(words: readonly string[]): number[][] {
  const r = rng(7, "sentence-model-fixture");
  const noise = () => Array.from({ length: 6 }, () => 0.2 * r.normal());
  const row = (w: string) => [...(PHRASE_WORDS.has(w) ? [1, 0] : [0, 1]), ...noise()];
  return [...BERT_SPECIALS.map(() => new Array(8).fill(0)), ...words.map(row)];
}

Deno.test("mined strategic grams with an ONNX sentence model", async (t) => {
  const words = VOCAB.filter((w) => !(SPECIAL as readonly string[]).includes(w));
  const dir = await fixture(words, plannerTable(words));
  const model = await loadSentenceModel(dir);
  const mine = () => mineStrategicGramsWith(CORPUS, rng(1, "strategic_grams"), model);
  try {
    await t.step("the top 20% of clusters hold planted phrases and nothing but phrase words", async () => {
      const sg = await mine();
      const grams = new Set(sg.grams.map((g) => g.gram));
      const recovered = PLANTED.filter((p) => grams.has(p)).length;
      assertEquals(sg.embedder, model.id);
      assertEquals([sg.responses, sg.clusters, sg.kept], [200, 8, 2]);
      assert(recovered >= 12, `recovered ${recovered} of ${PLANTED.length}`);
      const stray = sg.grams.filter((g) => !g.gram.split(" ").every((w) => PHRASE_WORDS.has(w) || w === ","));
      assertEquals(stray, []);
    });

    await t.step("deterministic: twice, and with a second session, the same JSON", async () => {
      const again = await loadSentenceModel(dir);
      try {
        const a = strategicGramsJson(await mine());
        assertEquals(strategicGramsJson(await mine()), a);
        assertEquals(strategicGramsJson(await mineStrategicGramsWith(CORPUS, rng(1, "strategic_grams"), again)), a);
      } finally {
        await again.dispose();
      }
    });
  } finally {
    await model.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});
