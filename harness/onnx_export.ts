/**
 * The policy as an ONNX graph (built with `onnx-proto`, ONNX's own protobuf schema), with a KV cache:
 * one graph serves both the prefill and every decode step.
 *
 * Inputs: `tokens` and `positions` (int64 [batch, time]), `bias` (float [batch, 1, time, slots + time],
 * added to the attention scores: 0 to attend, -1e9 not to), and per layer the cache of earlier
 * positions, `past_k{l}` (float [batch, heads, dHead, slots], keys transposed) and `past_v{l}` (float
 * [batch, heads, slots, dHead]); slots may be 0, and slots not yet filled are masked by `bias`.
 * Outputs: `logits` [batch, time, vocab] and the new positions' keys and values only, `new_k{l}`
 * [batch, heads, dHead, time] and `new_v{l}` [batch, heads, time, dHead], for the caller to append.
 * The scores over the cache and over the new positions are taken apart and joined before the softmax,
 * so the cache is never copied inside the graph. The operations are those of harness/model.ts, so both
 * engines agree to float rounding.
 *
 * With weights, they are stored in the graph (a self-contained `policy.onnx` any ONNX runtime loads);
 * without, every weight is one more graph input named as in `paramShapes`, so an engine refreshes
 * weights by passing new arrays instead of building a new session.
 * @module
 */
import onnxProto, { type onnx as Onnx } from "onnx-proto";
import { GELU_2C, type ModelConfig, paramShapes, type Policy, validateModelConfig } from "./model.ts";

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT, INT64 = onnx.TensorProto.DataType.INT64;
const { INT, INTS, FLOAT: FLOAT_ATTR } = onnx.AttributeProto.AttributeType;
const int = (name: string, i: number): Onnx.IAttributeProto => ({ name, type: INT, i });
const ints = (name: string, values: number[]): Onnx.IAttributeProto => ({ name, type: INTS, ints: values });
const float = (name: string, f: number): Onnx.IAttributeProto => ({ name, type: FLOAT_ATTR, f });

/** ONNX operator set the graph uses (LayerNormalization needs 17). */
const OPSET = 17;

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

  /** An int64 constant. */
  int64s(values: number[]): string {
    const name = `const_${this.#n++}`;
    this.initializers.push({ name, dataType: INT64, dims: [values.length], int64Data: values });
    return name;
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

/**
 * The ONNX model (bytes) of a policy of shape `config`. With `weights` (named as in `paramShapes`),
 * they are stored in the graph; without, each is a graph input.
 */
export function policyOnnx(config: ModelConfig, weights?: ReadonlyMap<string, Float32Array>): Uint8Array {
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
  const heads = g.int64s([0, 0, H, dh]), merged = g.int64s([0, 0, D]), thirds = g.int64s([D, D, D]);
  const scale = g.scalar(1 / Math.sqrt(dh)), one = g.scalar(1);
  const cubic = g.scalar(0.044715), geluC = g.scalar(GELU_2C);
  // x·σ(2√(2/π)·x·(1 + 0.044715x²)), as harness/model.ts writes the tanh approximation.
  const gelu = (x: string) => {
    const poly = g.op("Add", [g.op("Mul", [g.op("Mul", [x, x]), cubic]), one]);
    return g.op("Mul", [x, g.op("Sigmoid", [g.op("Mul", [g.op("Mul", [x, poly]), geluC])])]);
  };

  let x = g.op("Add", [
    g.op("Gather", ["wte", "tokens"], [int("axis", 0)]),
    g.op("Gather", ["wpe", "positions"], [int("axis", 0)]),
  ]);
  // Number of cache slots, as a 1-D tensor: where the new tokens' columns of the scores start.
  const slots = g.op("Shape", [cacheNames(0).pastV], [int("start", 2), int("end", 3)]);
  const zero = g.int64s([0]), end = g.int64s([2 ** 53]), lastAxis = g.int64s([3]);
  for (let l = 0; l < L; l++) {
    const p = `h${l}`, c = cacheNames(l);
    const qkv = linear(layerNorm(x, `${p}.ln1`), `${p}.attn.wqkv`, `${p}.attn.bqkv`);
    const parts = ["q", "k", "v"].map((s) => `${p}.${s}`);
    g.nodes.push({ opType: "Split", input: [qkv, thirds], output: parts, attribute: [int("axis", 2)] });
    const q = g.op("Transpose", [g.op("Reshape", [parts[0], heads])], [ints("perm", [0, 2, 1, 3])]);
    const k = g.op("Transpose", [g.op("Reshape", [parts[1], heads])], [ints("perm", [0, 2, 3, 1])], c.newK);
    const v = g.op("Transpose", [g.op("Reshape", [parts[2], heads])], [ints("perm", [0, 2, 1, 3])], c.newV);
    const scores = g.op("Concat", [g.op("MatMul", [q, c.pastK]), g.op("MatMul", [q, k])], [int("axis", 3)]);
    const att = g.op("Softmax", [g.op("Add", [g.op("Mul", [scores, scale]), "bias"])], [int("axis", -1)]);
    const attPast = g.op("Slice", [att, zero, slots, lastAxis]), attNew = g.op("Slice", [att, slots, end, lastAxis]);
    const mixed = g.op("Add", [g.op("MatMul", [attPast, c.pastV]), g.op("MatMul", [attNew, v])]);
    const y = g.op("Reshape", [g.op("Transpose", [mixed], [ints("perm", [0, 2, 1, 3])]), merged]);
    x = g.op("Add", [x, linear(y, `${p}.attn.wo`, `${p}.attn.bo`)]);
    const hidden = gelu(linear(layerNorm(x, `${p}.ln2`), `${p}.mlp.w1`, `${p}.mlp.b1`));
    x = g.op("Add", [x, linear(hidden, `${p}.mlp.w2`, `${p}.mlp.b2`)]);
  }
  g.op("Add", [g.op("MatMul", [layerNorm(x, "lnf"), "head.w"]), "head.b"], [], "logits");

  const names = Array.from({ length: L }, (_, l) => cacheNames(l));
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: "", version: OPSET }],
    producerName: "credit-bench",
    graph: {
      name: "policy",
      node: g.nodes,
      initializer: g.initializers,
      input: [
        valueInfo("tokens", INT64, ["batch", "time"]),
        valueInfo("positions", INT64, ["batch", "time"]),
        valueInfo("bias", FLOAT, ["batch", 1, "time", "slots_time"]),
        ...names.flatMap((c) => [
          valueInfo(c.pastK, FLOAT, ["batch", H, dh, "slots"]),
          valueInfo(c.pastV, FLOAT, ["batch", H, "slots", dh]),
        ]),
        ...weightInputs,
      ],
      output: [
        valueInfo("logits", FLOAT, ["batch", "time", V]),
        ...names.flatMap((c) => [
          valueInfo(c.newK, FLOAT, ["batch", H, dh, "time"]),
          valueInfo(c.newV, FLOAT, ["batch", H, "time", dh]),
        ]),
      ],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
