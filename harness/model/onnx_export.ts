/**
 * The policy as an ONNX graph (built with `onnx-proto`, ONNX's own protobuf schema), with a KV cache:
 * one graph serves both the prefill and every decode step.
 *
 * Inputs: `tokens` and `positions` (int64 [batch, time]), `bias` (float [batch, 1, time, slots + time],
 * added to the attention scores: 0 to attend, -1e9 not to), and per layer the cache of earlier
 * positions, `past_k{l}` and `past_v{l}` (float [batch, heads, slots, dHead]); slots may be 0, and
 * slots not yet filled are masked by `bias`. Outputs: `logits` [batch, time, vocab] and the new
 * positions' keys and values only, `new_k{l}` and `new_v{l}` [batch, heads, time, dHead], for the
 * caller to append. The scores over the cache (taken as (K·qᵀ)ᵀ, so the cache is read as stored) and
 * over the new positions are joined before the softmax, so the cache is never copied inside the graph.
 * The operations are those of harness/model/model.ts, so both engines agree to float rounding.
 *
 * With weights, they are stored in the graph (a self-contained `policy.onnx` any ONNX runtime loads);
 * without, every weight is one more graph input named as in `paramShapes`, so an engine refreshes
 * weights by passing new arrays instead of building a new session. The `step` variant serves only
 * time = 1 (a decode step): the new token's score and value are elementwise products, and its head
 * splits are reshapes, ~20 fewer nodes than the general graph.
 * @module
 */
import onnxProto, { type onnx as Onnx } from "onnx-proto";
import { type ModelConfig, paramShapes, type Policy, validateModelConfig } from "./model.ts";

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT, INT64 = onnx.TensorProto.DataType.INT64;
const { INT, INTS, FLOAT: FLOAT_ATTR, STRING } = onnx.AttributeProto.AttributeType;
const int = (name: string, i: number): Onnx.IAttributeProto => ({ name, type: INT, i });
const ints = (name: string, values: number[]): Onnx.IAttributeProto => ({ name, type: INTS, ints: values });
const float = (name: string, f: number): Onnx.IAttributeProto => ({ name, type: FLOAT_ATTR, f });
const string = (name: string, text: string): Onnx.IAttributeProto => ({
  name,
  type: STRING,
  s: new TextEncoder().encode(text),
});

/** ONNX operator set the graph uses (LayerNormalization needs 17, Gelu 20), and the IR version that carries it. */
const OPSET = 20, IR_VERSION = 9;

/** A dimension: a fixed size or a named symbolic one. */
type Dim = number | string;

function valueInfo(name: string, elemType: number, dims: Dim[]): Onnx.IValueInfoProto {
  const dim = dims.map((d) => (typeof d === "string" ? { dimParam: d } : { dimValue: d }));
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

/** Nodes and constants of a graph under construction, with fresh names for intermediate values. */
class GraphBuilder {
  readonly nodes: Onnx.INodeProto[] = [];
  readonly initializers: Onnx.ITensorProto[] = [];
  #n = 0;

  /** Add a node; returns the name of its output, `out` when given, else a fresh one. */
  op(opType: string, input: string[], attribute: Onnx.IAttributeProto[] = [], out?: string): string {
    const output = out ?? `${opType.toLowerCase()}_${this.#n++}`;
    this.nodes.push({ opType, input, output: [output], attribute });
    return output;
  }

  readonly #int64s = new Map<string, string>();

  /** An int64 constant (one per distinct value list). */
  int64s(values: number[]): string {
    const key = values.join();
    if (!this.#int64s.has(key)) {
      const name = `const_${this.#n++}`;
      this.initializers.push({ name, dataType: INT64, dims: [values.length], int64Data: values });
      this.#int64s.set(key, name);
    }
    return this.#int64s.get(key)!;
  }

  /** A float scalar constant. */
  scalar(value: number): string {
    const name = `const_${this.#n++}`;
    this.initializers.push({ name, dataType: FLOAT, dims: [], floatData: [value] });
    return name;
  }
}

/** Names of the graph's cache inputs and outputs of layer `l`. */
export const cacheNames = (l: number) => ({
  pastK: `past_k${l}`,
  pastV: `past_v${l}`,
  newK: `new_k${l}`,
  newV: `new_v${l}`,
});

/** A policy's current weights by name (copies). */
export function weightsOf(policy: Policy): Map<string, Float32Array> {
  return new Map(policy.params.map(([name, v]) => [name, (v.dataSync() as Float32Array).slice()]));
}

/** Which graph to build. */
export interface GraphOptions {
  /** The decode-step graph, for time = 1 only (default false: any time). */
  step?: boolean;
}

/**
 * The ONNX model (bytes) of a policy of shape `config`. With `weights` (named as in `paramShapes`),
 * they are stored in the graph; without, each is a graph input.
 */
export function policyOnnx(
  config: ModelConfig,
  weights?: ReadonlyMap<string, Float32Array>,
  { step = false }: GraphOptions = {},
): Uint8Array {
  validateModelConfig(config);
  const { vocabSize: V, dModel: D, heads: H, layers: L } = config;
  const dh = D / H;
  const g = new GraphBuilder();
  const shapes = paramShapes(config);
  const weightInputs: Onnx.IValueInfoProto[] = [];
  for (const [name, shape] of shapes) {
    if (!weights) {
      weightInputs.push(valueInfo(name, FLOAT, shape));
      continue;
    }
    const w = weights.get(name);
    const n = shape.reduce((a, b) => a * b, 1);
    if (!w || w.length !== n) throw new RangeError(`weight ${name}: need ${n} values, got ${w?.length ?? "none"}`);
    const raw = new Uint8Array(w.buffer, w.byteOffset, w.byteLength).slice();
    g.initializers.push({ name, dataType: FLOAT, dims: shape, rawData: raw });
  }

  const layerNorm = (x: string, p: string) =>
    g.op("LayerNormalization", [x, `${p}.g`, `${p}.b`], [int("axis", -1), float("epsilon", 1e-5)]);
  const linear = (x: string, w: string, b: string) => g.op("Add", [g.op("MatMul", [x, w]), b]);
  const thirds = g.int64s([D, D, D]), scale = g.scalar(1 / Math.sqrt(dh)), lastAxis = g.int64s([3]);
  const swap = (t: string) => g.op("Transpose", [t], [ints("perm", [0, 1, 3, 2])]);
  const reshape = (t: string, shape: number[], out?: string) => g.op("Reshape", [t, g.int64s(shape)], [], out);
  // [batch, time, D] → [batch, heads, time, dHead]: at time 1 the same order in memory, so a reshape.
  const split = (t: string, out?: string) =>
    step
      ? reshape(t, [0, H, 1, dh], out)
      : g.op("Transpose", [reshape(t, [0, 0, H, dh])], [ints("perm", [0, 2, 1, 3])], out);

  let x = g.op("Add", [
    g.op("Gather", ["wte", "tokens"], [int("axis", 0)]),
    g.op("Gather", ["wpe", "positions"], [int("axis", 0)]),
  ]);
  // Number of cache slots, as a 1-D tensor: where the new tokens' columns of the scores start.
  const slots = g.op("Shape", [cacheNames(0).pastV], [int("start", 2), int("end", 3)]);
  const zero = g.int64s([0]), end = g.int64s([2 ** 53]);
  for (let l = 0; l < L; l++) {
    const p = `h${l}`, c = cacheNames(l);
    const qkv = linear(layerNorm(x, `${p}.ln1`), `${p}.attn.wqkv`, `${p}.attn.bqkv`);
    const parts = ["q", "k", "v"].map((s) => `${p}.${s}`);
    g.nodes.push({ opType: "Split", input: [qkv, thirds], output: parts, attribute: [int("axis", 2)] });
    const [q, k, v] = [split(parts[0]), split(parts[1], c.newK), split(parts[2], c.newV)];
    const past = step
      ? reshape(g.op("MatMul", [c.pastK, reshape(q, [0, H, dh, 1])]), [0, H, 1, -1])
      : swap(g.op("MatMul", [c.pastK, swap(q)]));
    const own = step ? g.op("ReduceSum", [g.op("Mul", [q, k]), lastAxis]) : g.op("MatMul", [q, swap(k)]);
    const scores = g.op("Concat", [past, own], [int("axis", 3)]);
    const att = g.op("Softmax", [g.op("Add", [g.op("Mul", [scores, scale]), "bias"])], [int("axis", -1)]);
    const attPast = g.op("Slice", [att, zero, slots, lastAxis]), attNew = g.op("Slice", [att, slots, end, lastAxis]);
    const mixed = g.op("Add", [g.op("MatMul", [attPast, c.pastV]), g.op(step ? "Mul" : "MatMul", [attNew, v])]);
    const y = step
      ? reshape(mixed, [0, 1, D])
      : reshape(g.op("Transpose", [mixed], [ints("perm", [0, 2, 1, 3])]), [0, 0, D]);
    x = g.op("Add", [x, linear(y, `${p}.attn.wo`, `${p}.attn.bo`)]);
    // GELU, tanh approximation, as harness/model/model.ts.
    const hidden = g.op("Gelu", [linear(layerNorm(x, `${p}.ln2`), `${p}.mlp.w1`, `${p}.mlp.b1`)], [
      string("approximate", "tanh"),
    ]);
    x = g.op("Add", [x, linear(hidden, `${p}.mlp.w2`, `${p}.mlp.b2`)]);
  }
  g.op("Add", [g.op("MatMul", [layerNorm(x, "lnf"), "head.w"]), "head.b"], [], "logits");

  const names = Array.from({ length: L }, (_, l) => cacheNames(l)), time: Dim = step ? 1 : "time";
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: "", version: OPSET }],
    producerName: "credit-bench",
    graph: {
      name: "policy",
      node: g.nodes,
      initializer: g.initializers,
      input: [
        valueInfo("tokens", INT64, ["batch", time]),
        valueInfo("positions", INT64, ["batch", time]),
        valueInfo("bias", FLOAT, ["batch", 1, time, "slots_time"]),
        ...names.flatMap((c) => [
          valueInfo(c.pastK, FLOAT, ["batch", H, "slots", dh]),
          valueInfo(c.pastV, FLOAT, ["batch", H, "slots", dh]),
        ]),
        ...weightInputs,
      ],
      output: [
        valueInfo("logits", FLOAT, ["batch", time, V]),
        ...names.flatMap((c) => [
          valueInfo(c.newK, FLOAT, ["batch", H, time, dh]),
          valueInfo(c.newV, FLOAT, ["batch", H, time, dh]),
        ]),
      ],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
