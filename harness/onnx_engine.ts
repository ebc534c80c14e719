/**
 * The ONNX Runtime rollout engine: the policy's ONNX export (harness/onnx_export.ts) with its weights
 * as graph inputs, so that taking up new weights after an update is reading them out of tfjs, not
 * building a new session. The KV cache lives in this engine's buffers, keys stored transposed
 * ([rows, heads, dHead, slots]) and values as [rows, heads, slots, dHead], with room for a multiple
 * of {@link SLOT_BLOCK} positions: each run attends over those slots (unused ones masked) and returns
 * only the new tokens' keys and values, which are copied into place.
 * @module
 */
import type * as Ort from "onnxruntime-node";
import { attentionBias, type Decoder, type Feed, type RolloutEngine } from "./engine.ts";
import type { ModelConfig, Policy } from "./model.ts";
import { cacheNames, policyOnnx, weightsOf } from "./onnx_export.ts";
import { firstLine, onnxRuntime } from "./onnx_runtime.ts";

/** Cache slots are allocated in blocks of this many positions. */
export const SLOT_BLOCK = 16;

/** How ONNX Runtime runs the graph. */
export interface OnnxEngineOptions {
  /** Threads for one operator (ONNX Runtime's intra-op pool). */
  threads: number;
}

/** One thread: what `--jobs` processes running side by side expect. */
const DEFAULT_ONNX_ENGINE: Readonly<OnnxEngineOptions> = { threads: 1 };

/** The policy's forward pass in ONNX Runtime. Create with {@link OnnxEngine.create}. */
export class OnnxEngine implements RolloutEngine {
  readonly name = "onnx";
  #weights: Record<string, Ort.Tensor> = {};

  private constructor(
    readonly ort: typeof Ort,
    readonly session: Ort.InferenceSession,
    readonly policy: Policy,
  ) {}

  /** An engine for `policy`, holding its current weights. */
  static async create(policy: Policy, options: Partial<OnnxEngineOptions> = {}): Promise<OnnxEngine> {
    const { threads } = { ...DEFAULT_ONNX_ENGINE, ...options };
    const ort = await onnxRuntime("the onnx rollout engine");
    const session = await ort.InferenceSession.create(policyOnnx(policy.config), {
      executionMode: "sequential",
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: "all",
    }).catch((e) => {
      throw new Error(`ONNX Runtime cannot load the policy graph (${firstLine(e)}); use --engine tfjs`);
    });
    const engine = new OnnxEngine(ort, session, policy);
    await engine.refresh();
    return engine;
  }

  /** The policy's shape. */
  get config(): ModelConfig {
    return this.policy.config;
  }

  /** Copy the policy's current weights out of tfjs into graph inputs. */
  refresh(): Promise<void> {
    const shapes = new Map(this.policy.params.map(([name, v]) => [name, v.shape]));
    this.#weights = Object.fromEntries(
      [...weightsOf(this.policy)].map(([name, w]) => [name, new this.ort.Tensor("float32", w, shapes.get(name))]),
    );
    return Promise.resolve();
  }

  /** A decoder with its own cache buffers. */
  decoder(rows: number): Decoder {
    return new OnnxDecoder(this, rows);
  }

  /** Run the graph on `feeds` plus the weights. */
  run(feeds: Record<string, Ort.Tensor>): Promise<Ort.InferenceSession.ReturnType> {
    return this.session.run({ ...this.#weights, ...feeds });
  }

  /** Release the session. */
  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/** A batch being decoded in ONNX Runtime; see the module doc for the cache layout. */
class OnnxDecoder implements Decoder {
  #slots = 0;
  #filled = 0;
  #keys: Float32Array[] = [];
  #values: Float32Array[] = [];
  readonly #dh: number;

  constructor(readonly engine: OnnxEngine, public rows: number) {
    this.#dh = engine.config.dModel / engine.config.heads;
  }

  async feed(feed: Feed, every = false): Promise<Float32Array> {
    const { rows } = this, { heads: H, layers: L, vocabSize: V } = this.engine.config, dh = this.#dh, T = feed.time;
    this.#grow(this.#filled + T);
    const S = this.#slots;
    const { Tensor } = this.engine.ort;
    const ids = (xs: readonly number[]) => new Tensor("int64", BigInt64Array.from(xs, BigInt), [rows, T]);
    const feeds: Record<string, Ort.Tensor> = {
      tokens: ids(feed.tokens),
      positions: ids(feed.positions),
      bias: new Tensor("float32", attentionBias(feed, S), [rows, 1, T, S + T]),
    };
    for (let l = 0; l < L; l++) {
      const c = cacheNames(l);
      feeds[c.pastK] = new Tensor("float32", this.#keys[l], [rows, H, dh, S]);
      feeds[c.pastV] = new Tensor("float32", this.#values[l], [rows, H, S, dh]);
    }
    const out = await this.engine.run(feeds);
    for (let l = 0; l < L; l++) {
      const c = cacheNames(l);
      this.#store(
        this.#keys[l],
        this.#values[l],
        out[c.newK].data as Float32Array,
        out[c.newV].data as Float32Array,
        T,
      );
    }
    this.#filled += T;
    const logits = out.logits.data as Float32Array;
    if (T === 1 || every) return logits;
    const last = new Float32Array(rows * V);
    for (let b = 0; b < rows; b++) last.set(logits.subarray(((b + 1) * T - 1) * V, (b + 1) * T * V), b * V);
    return last;
  }

  keep(indices: readonly number[]): void {
    const block = this.engine.config.heads * this.#dh * this.#slots;
    const pick = (a: Float32Array) => {
      const next = new Float32Array(indices.length * block);
      indices.forEach((r, j) => next.set(a.subarray(r * block, (r + 1) * block), j * block));
      return next;
    };
    this.#keys = this.#keys.map(pick);
    this.#values = this.#values.map(pick);
    this.rows = indices.length;
  }

  /** Copy the new keys [rows, H, dh, T] and values [rows, H, T, dh] into the slots after the filled ones. */
  #store(keys: Float32Array, values: Float32Array, newK: Float32Array, newV: Float32Array, T: number): void {
    const S = this.#slots, f = this.#filled, dh = this.#dh;
    const heads = this.rows * this.engine.config.heads;
    for (let r = 0; r < heads * dh; r++) {
      for (let t = 0; t < T; t++) keys[r * S + f + t] = newK[r * T + t];
    }
    // Element loops, not subarray().set(): a decode step copies thousands of short runs.
    for (let r = 0, n = T * dh; r < heads; r++) {
      const to = (r * S + f) * dh, from = r * n;
      for (let i = 0; i < n; i++) values[to + i] = newV[from + i];
    }
  }

  /** Make room for `need` positions (a multiple of SLOT_BLOCK slots), keeping the filled ones. */
  #grow(need: number): void {
    if (need <= this.#slots) return;
    const S = Math.ceil(need / SLOT_BLOCK) * SLOT_BLOCK, old = this.#slots, f = this.#filled, dh = this.#dh;
    const heads = this.rows * this.engine.config.heads;
    /** `runs` runs of `n` filled floats, `stride` apart in `prev`, moved to `to` floats apart in a new array. */
    const move = (prev: Float32Array | undefined, runs: number, n: number, stride: number, to: number) => {
      const next = new Float32Array(runs * to);
      if (prev) {
        for (let r = 0; r < runs; r++) {
          for (let i = 0; i < n; i++) next[r * to + i] = prev[r * stride + i];
        }
      }
      return next;
    };
    this.#keys = Array.from(
      { length: this.engine.config.layers },
      (_, l) => move(this.#keys[l], heads * dh, f, old, S),
    );
    this.#values = Array.from(
      { length: this.engine.config.layers },
      (_, l) => move(this.#values[l], heads, f * dh, old * dh, S * dh),
    );
    this.#slots = S;
  }

  close(): void {
    this.#keys = [];
    this.#values = [];
  }
}
