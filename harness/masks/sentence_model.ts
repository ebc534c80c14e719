/**
 * An optional pretrained sentence model to embed strategic-gram candidates (harness/masks/strategic_grams.ts)
 * instead of the corpus's own PPMI+SVD word vectors. The model is a folder holding a
 * sentence-transformers-style ONNX export:
 * - `model.onnx`: int64 inputs `input_ids` and `attention_mask` [batch, seq], optionally
 *   `token_type_ids` (fed zeros: one segment); output `sentence_embedding` [batch, dim] or
 *   `last_hidden_state` [batch, seq, dim];
 * - `tokenizer.json` in the Hugging Face tokenizers format (read by `@huggingface/tokenizers`), with
 *   `tokenizer_config.json` beside it when there is one.
 *
 * A text's vector is the model's `sentence_embedding` when it has one, else sentence-transformers'
 * mean pooling: the mean of `last_hidden_state` over the attention mask (special tokens included);
 * then it is L2-normalised. Texts are padded to the longest of their batch with the tokenizer's pad id.
 *
 * ONNX Runtime (`onnxruntime-node`, a native addon) is imported only when a model is loaded, so runs
 * without one need no `--allow-ffi`. Sessions run on one thread, sequentially: the same texts give the
 * same vectors on every run on one machine.
 * @module
 */
import { Tokenizer } from "@huggingface/tokenizers";
import { dirname, join } from "node:path";
import type * as Ort from "onnxruntime-node";
import { sha256 } from "../core/atomic.ts";
import { onnxRuntime } from "../backend/onnx_runtime.ts";
import { firstLine } from "../core/errors.ts";

/** What a sentence-model folder holds, for error messages. */
const EXPECTED = "a sentence-model folder holds model.onnx (ONNX export with int64 inputs input_ids and " +
  "attention_mask) and tokenizer.json (Hugging Face tokenizers format)";

/** Inputs a model may take: the first two it must. */
const INPUTS = ["input_ids", "attention_mask", "token_type_ids"];

/** Outputs used, in order of preference: pooled first. */
const OUTPUTS = ["sentence_embedding", "last_hidden_state"];

/** How texts are run through the model. */
export interface SentenceModelOptions {
  /** Texts per ONNX Runtime run. */
  batchSize: number;
}

/** Default: 256 texts per run. */
export const DEFAULT_SENTENCE_MODEL: Readonly<SentenceModelOptions> = { batchSize: 256 };

/** A loaded sentence model. */
export interface SentenceEmbedder {
  /** `onnx:` and the first 12 hex digits of model.onnx's SHA-256: recorded with what it embedded. */
  readonly id: string;
  /** One L2-normalised vector per text. */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  /** Release the ONNX Runtime session. */
  dispose(): Promise<void>;
}

/**
 * The content key of sentence-model folder `dir`: `sha256:` and the SHA-256 of its model.onnx's,
 * tokenizer.json's and tokenizer_config.json's (when there is one) SHA-256s. A grid takes this key, not the
 * folder's path: the same files elsewhere are the same configuration, a changed file another.
 */
export async function sentenceModelKey(dir: string): Promise<string> {
  const config = await Deno.readFile(join(dir, "tokenizer_config.json")).catch((e) => {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  });
  const parts = [await readPart(dir, "model.onnx"), await readPart(dir, "tokenizer.json"), config];
  const hashes = await Promise.all(parts.map((bytes) => bytes === null ? "none" : sha256(bytes)));
  return `sha256:${await sha256(hashes.join(" "))}`;
}

/** The bytes of a file of the folder; throws naming the path and what the folder should hold. */
async function readPart(dir: string, name: string): Promise<Uint8Array> {
  const path = join(dir, name);
  try {
    return await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new Error(`${path} is missing: ${EXPECTED}`);
    throw e;
  }
}

/** Parse a folder's `tokenizer.json` (and `tokenizer_config.json` when present) into a tokenizer and its pad id. */
async function readTokenizer(dir: string): Promise<{ tokenizer: Tokenizer; padId: number }> {
  return await parseTokenizer(join(dir, "tokenizer.json"), await readPart(dir, "tokenizer.json"));
}

/**
 * A Hugging Face tokenizer from the bytes of its `tokenizer.json` at `path` (with the
 * `tokenizer_config.json` beside it when there is one), and its pad id; throws naming the file.
 */
export async function parseTokenizer(
  path: string,
  bytes: Uint8Array,
): Promise<{ tokenizer: Tokenizer; padId: number }> {
  const text = new TextDecoder().decode(bytes), configPath = join(dirname(path), "tokenizer_config.json");
  let config = {};
  try {
    config = JSON.parse(await Deno.readTextFile(configPath));
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) {
      throw new Error(`${configPath}: ${firstLine(e)}; give the tokenizer_config.json saved with the model, or none`);
    }
  }
  try {
    const json = JSON.parse(text);
    return { tokenizer: new Tokenizer(json, config), padId: json.padding?.pad_id ?? 0 };
  } catch (e) {
    throw new Error(
      `${path}: not a Hugging Face tokenizer.json (${firstLine(e)}); give the tokenizer.json saved with the model`,
    );
  }
}

/** The output to read, after checking the session's inputs; throws naming the model and what it needs. */
function checkSession(session: Ort.InferenceSession, path: string): string {
  const inputs = session.inputMetadata;
  const ok = INPUTS.slice(0, 2).every((n) => session.inputNames.includes(n)) &&
    inputs.every((m) => INPUTS.includes(m.name) && (!m.isTensor || m.type === "int64"));
  if (!ok) {
    const got = inputs.map((m) => `${m.name}${m.isTensor ? ` (${m.type})` : ""}`).join(", ");
    throw new Error(
      `${path}: inputs ${got}, but a sentence model takes int64 input_ids and attention_mask [batch, seq] ` +
        "(and optionally token_type_ids)",
    );
  }
  const output = OUTPUTS.find((n) => session.outputNames.includes(n));
  if (output === undefined) {
    throw new Error(
      `${path}: outputs ${session.outputNames.join(", ")}, but a sentence model gives ` +
        "last_hidden_state [batch, seq, dim] or sentence_embedding [batch, dim]",
    );
  }
  return output;
}

/** A vector L2-normalised, as float32 (a zero vector stays zero). */
function normalise(v: Float64Array): Float32Array {
  const norm = Math.hypot(...v);
  return Float32Array.from(v, (x) => (norm > 0 ? x / norm : 0));
}

/**
 * Load the sentence model of folder `dir` (see the module documentation for what it holds); throws one
 * clear line for a missing folder or file, a tokenizer it cannot read, a model with other inputs or
 * outputs, or ONNX Runtime missing (`--allow-ffi`, or not installed).
 */
export async function loadSentenceModel(
  dir: string,
  options: Partial<SentenceModelOptions> = {},
): Promise<SentenceEmbedder> {
  const { batchSize } = { ...DEFAULT_SENTENCE_MODEL, ...options };
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new RangeError(`batchSize must be ≥ 1, got ${batchSize}`);
  const info = await Deno.stat(dir).catch((e) => {
    if (e instanceof Deno.errors.NotFound) throw new Error(`sentence model folder ${dir} does not exist: ${EXPECTED}`);
    throw e;
  });
  if (!info.isDirectory) throw new Error(`sentence model ${dir} is not a folder: ${EXPECTED}`);
  const bytes = await readPart(dir, "model.onnx");
  const { tokenizer, padId } = await readTokenizer(dir);
  const ort = await onnxRuntime("a sentence model");
  const path = join(dir, "model.onnx");
  const session = await ort.InferenceSession.create(bytes, {
    executionMode: "sequential",
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  }).catch((e) => {
    throw new Error(`${path}: ONNX Runtime cannot load it (${firstLine(e)})`);
  });
  const output = checkSession(session, path);
  const pooled = output === "sentence_embedding";

  async function embedBatch(texts: readonly string[]): Promise<Float32Array[]> {
    const ids = texts.map((t) => tokenizer.encode(t).ids);
    const n = texts.length, len = Math.max(...ids.map((x) => x.length)), none = ids.findIndex((x) => !x.length);
    if (none >= 0) throw new Error(`${path}: the tokenizer gives no token for ${JSON.stringify(texts[none])}`);
    const inputIds = new BigInt64Array(n * len).fill(BigInt(padId)), mask = new BigInt64Array(n * len);
    ids.forEach((x, b) => {
      inputIds.set(x.map(BigInt), b * len);
      mask.fill(1n, b * len, b * len + x.length);
    });
    const feeds: Record<string, Ort.Tensor> = {
      input_ids: new ort.Tensor("int64", inputIds, [n, len]),
      attention_mask: new ort.Tensor("int64", mask, [n, len]),
    };
    if (session.inputNames.includes("token_type_ids")) {
      feeds.token_type_ids = new ort.Tensor("int64", new BigInt64Array(n * len), [n, len]);
    }
    const out = (await session.run(feeds, [output]).catch((e) => {
      throw new Error(`${path}: ONNX Runtime failed on ${n} texts of up to ${len} tokens (${firstLine(e)})`);
    }))[output];
    const dims = out.dims, want = pooled ? [n] : [n, len];
    if (dims.length !== want.length + 1 || want.some((d, i) => dims[i] !== d) || out.type !== "float32") {
      throw new Error(
        `${path}: ${output} is ${out.type} [${dims.join(", ")}] for ${n} texts of up to ${len} tokens; ` +
          `expected float32 [${[...want, "dim"].join(", ")}]`,
      );
    }
    const data = out.data as Float32Array, dim = dims[dims.length - 1];
    return ids.map((x, b) => {
      const v = new Float64Array(dim);
      if (pooled) v.set(data.subarray(b * dim, (b + 1) * dim));
      else {
        for (let t = 0; t < x.length; t++) for (let k = 0; k < dim; k++) v[k] += data[(b * len + t) * dim + k];
        v.forEach((s, k) => (v[k] = s / x.length));
      }
      return normalise(v);
    });
  }

  return {
    id: `onnx:${(await sha256(bytes)).slice(0, 12)}`,
    async embed(texts) {
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += batchSize) out.push(...await embedBatch(texts.slice(i, i + batchSize)));
      return out;
    },
    async dispose() {
      await session.release();
    },
  };
}
