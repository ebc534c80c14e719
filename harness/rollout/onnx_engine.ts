/**
 * The ONNX Runtime rollout engine: the policy's ONNX export (harness/model/onnx_export.ts) with its weights
 * as graph inputs, so that taking up new weights after an update is reading them out of tfjs, not
 * building a new session. Two sessions: the general graph for prompts (any number of new tokens) and
 * the decode-step graph for one new token per row. The KV cache lives in this engine's buffers
 * (harness/rollout/slot_cache.ts): each run attends over its slots (unused ones masked) and returns only the
 * new tokens' keys and values, which are copied into place.
 * @module
 */
import type * as Ort from "onnxruntime-node";
import { attentionBias, type Decoder, type Feed, type RolloutEngine } from "./engine.ts";
import type { ModelConfig, Policy } from "../model/model.ts";
import { cacheNames, policyOnnx, weightsOf } from "../model/onnx_export.ts";
import { onnxRuntime } from "../backend/onnx_runtime.ts";
import { firstLine } from "../core/errors.ts";
import { BufferPool, SLOT_BLOCK, SlotCache } from "./slot_cache.ts";

/** How ONNX Runtime runs the graph. */
export interface OnnxEngineOptions {
  /** Threads for one operator (ONNX Runtime's intra-op pool). */
  threads: number;
}

/** One thread: what `--jobs` processes running side by side expect. */
const DEFAULT_ONNX_ENGINE: Readonly<OnnxEngineOptions> = { threads: 1 };

/** Idle cache floats an engine keeps for its next batches (128 MB). */
const POOL_FLOATS = 2 ** 25;

/** The policy's forward pass in ONNX Runtime. Create with {@link OnnxEngine.create}. */
export class OnnxEngine implements RolloutEngine {
  readonly name = "onnx";
  /** Cache buffers shared by this engine's decoders. */
  readonly pool = new BufferPool(POOL_FLOATS);
  #weights: Record<string, Ort.Tensor> = {};

  private constructor(
    readonly ort: typeof Ort,
    readonly sessions: { all: Ort.InferenceSession; step: Ort.InferenceSession },
    readonly policy: Policy,
  ) {}

  /** An engine for `policy`, holding its current weights. */
  static async create(policy: Policy, options: Partial<OnnxEngineOptions> = {}): Promise<OnnxEngine> {
    const { threads } = { ...DEFAULT_ONNX_ENGINE, ...options };
    const ort = await onnxRuntime("the onnx rollout engine");
    const load = (step: boolean) =>
      ort.InferenceSession.create(policyOnnx(policy.config, undefined, { step }), {
        executionMode: "sequential",
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: "all",
      }).catch((e) => {
        throw new Error(`ONNX Runtime cannot load the policy graph (${firstLine(e)}); use --engine tfjs`);
      });
    const engine = new OnnxEngine(ort, { all: await load(false), step: await load(true) }, policy);
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

  /** A decoder with its own cache. */
  decoder(rows: number): Decoder {
    return new OnnxDecoder(this, rows);
  }

  /** Run the graph on `feeds` plus the weights: the step graph when one token per row is new and a cache is fed. */
  run(feeds: Record<string, Ort.Tensor>): Promise<Ort.InferenceSession.ReturnType> {
    const step = feeds.tokens.dims[1] === 1 && feeds[cacheNames(0).pastK].dims[2] > 0;
    return this.sessions[step ? "step" : "all"].run({ ...this.#weights, ...feeds });
  }

  /** Release the sessions. */
  async dispose(): Promise<void> {
    await this.sessions.all.release();
    await this.sessions.step.release();
  }
}

/** A batch being decoded in ONNX Runtime. */
class OnnxDecoder implements Decoder {
  readonly #cache: SlotCache;

  constructor(readonly engine: OnnxEngine, rows: number) {
    const { layers, heads, dModel, context } = engine.config;
    const maxSlots = Math.ceil(context / SLOT_BLOCK) * SLOT_BLOCK;
    this.#cache = new SlotCache(engine.pool, 2 * layers, heads, dModel / heads, maxSlots, rows);
  }

  async feed(feed: Feed, every = false): Promise<Float32Array> {
    const cache = this.#cache, { rows } = cache, T = feed.time;
    const { heads: H, layers: L, vocabSize: V, dModel } = this.engine.config, dh = dModel / H;
    cache.reserve(cache.filled + T);
    // Before anything is stored there is nothing to attend to: no slots are fed.
    const S = cache.filled ? cache.slots : 0;
    const { Tensor } = this.engine.ort;
    const ids = (xs: readonly number[]) => new Tensor("int64", BigInt64Array.from(xs, BigInt), [rows, T]);
    const feeds: Record<string, Ort.Tensor> = {
      tokens: ids(feed.tokens),
      positions: ids(feed.positions),
      bias: new Tensor("float32", attentionBias(feed, S), [rows, 1, T, S + T]),
    };
    for (let l = 0; l < L; l++) {
      const c = cacheNames(l), empty = new Float32Array(0);
      feeds[c.pastK] = new Tensor("float32", S ? cache.view(2 * l) : empty, [rows, H, S, dh]);
      feeds[c.pastV] = new Tensor("float32", S ? cache.view(2 * l + 1) : empty, [rows, H, S, dh]);
    }
    const out = await this.engine.run(feeds);
    const fresh = Array.from({ length: L }, (_, l) => [out[cacheNames(l).newK], out[cacheNames(l).newV]]).flat();
    cache.append(fresh.map((t) => t.data as Float32Array), T);
    const logits = out.logits.data as Float32Array;
    if (T === 1 || every) return logits;
    const last = new Float32Array(rows * V);
    for (let b = 0; b < rows; b++) last.set(logits.subarray(((b + 1) * T - 1) * V, (b + 1) * T * V), b * V);
    return last;
  }

  keep(indices: readonly number[]): void {
    this.#cache.keep(indices);
  }

  close(): void {
    this.#cache.close();
  }
}
