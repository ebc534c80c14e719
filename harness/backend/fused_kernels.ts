/**
 * Fused kernels for tfjs's wasm backend, each one pass over memory where tfjs runs a kernel per
 * operation: LayerNorm's forward and gradient (10 and 9 kernels), the elementwise parts of GELU's (4 and
 * 8), the attention's scale and bias (2) and the gradient of its softmax and scale (5), and Adam's step
 * of a variable (15, with the clip's scaling); and sums over rows (a product with a row of ones). They
 * are the same float32 operations in the same order as the tfjs chains they replace
 * (harness/model/model.ts, harness/model/optimizer.ts), with no fused multiply-add and each row's sums
 * taken in order as tfjs's `Mean` and `Sum` take them, so the values are the same to the bit
 * (tests/fused_kernels_test.ts checks them against the chains). GELU's sigmoid and the softmax stay
 * tfjs's (XNNPACK's). An in-order sum waits for each add, so the row kernels take four rows at a time and
 * run their sums side by side. The sums over rows add in the order of ONNX Runtime's product with a row
 * of ones (MLAS's kernel for one output row), so they replace that product on `wasm-ort` only, where a
 * probe at the backend's start finds the same bits (harness/backend/backend.ts).
 *
 * The kernels are a WebAssembly module of our own (text format, generated here and assembled by
 * wabt at start) that imports the wasm backend's memory, so it reads and writes tensors where tfjs
 * keeps them. They are registered as tfjs kernels of the `wasm` backend, used only while it is active.
 * @module
 */
import wabtInit from "wabt";
import * as tf from "@tensorflow/tfjs";

/** One float32 lane type of the generated code: `f32` (one value) or `f32x4` (four, SIMD128). */
type Lane = "f32" | "f32x4";

/**
 * A float expression of loads and constants, written once and emitted for both lane types (a
 * vector loop over whole groups of four, then a scalar loop over the rest).
 */
type Expr = (lane: Lane) => string;

const op = (name: string) => (a: Expr, b: Expr): Expr => (l) => `(${l}.${name} ${a(l)} ${b(l)})`;
const mul = op("mul"), add = op("add"), sub = op("sub"), div = op("div");
const sqrt = (a: Expr): Expr => (l) => `(${l}.sqrt ${a(l)})`;
/** The float at byte offset `base + $i` (`$i` the loop's byte index). */
const at = (base: string): Expr => (l) =>
  `(${l === "f32" ? "f32" : "v128"}.load (i32.add (local.get $${base}) (local.get $i)))`;
/** A float local, splatted to four lanes in the vector loop (the local `$<name>4`). */
const scalar = (name: string): Expr => (l) => `(local.get $${l === "f32" ? name : `${name}4`})`;

/**
 * A loop over `$n` floats from byte index `$i` = `$from`, storing each expression at its output base:
 * groups of four, then one at a time. Vector locals `$<name>4` of the given scalars are set first.
 */
function mapLoop(outputs: [string, Expr][], scalars: string[] = []): string {
  const body = (l: Lane) => {
    const [store, step] = l === "f32" ? ["f32.store", 4] : ["v128.store", 16];
    return outputs.map(([out, e]) => `(${store} (i32.add (local.get $${out}) (local.get $i)) ${e(l)})`).join("\n") +
      `\n(local.set $i (i32.add (local.get $i) (i32.const ${step})))`;
  };
  return `${scalars.map((s) => `(local.set $${s}4 (f32x4.splat (local.get $${s})))`).join("\n")}
    (local.set $i (local.get $from))
    (local.set $end (i32.add (local.get $from) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $vb (loop $vl (br_if $vb (i32.ge_u (local.get $i) (local.get $end))) ${body("f32x4")} (br $vl)))
    (local.set $end (i32.add (local.get $from) (i32.shl (local.get $n) (i32.const 2))))
    (block $sb (loop $sl (br_if $sb (i32.ge_u (local.get $i) (local.get $end))) ${body("f32")} (br $sl)))`;
}

const LOOP_LOCALS = "(local $i i32) (local $from i32) (local $end i32)";
const vectors = (names: string[]) => names.map((s) => `(local $${s}4 v128)`).join(" ");
const params = (names: string[], type: string) => names.map((s) => `(param $${s} ${type})`).join(" ");

/** The float at byte offset `base + $i + $off<j>`: in a block of rows, row `j`'s element at row 0's `$i`. */
const atRow = (base: string, j: number): Expr => (l) =>
  `(${l === "f32" ? "f32" : "v128"}.load (i32.add (local.get $${base}) (i32.add (local.get $i) (local.get $off${j}))))`;

/**
 * In-order sums over a row's `$n` floats (from byte index `$from`), all in one loop: each local
 * `$<into>` = Σ e, one add at a time in the row's order (as tfjs's `Mean` sums). Independent sums
 * in one loop overlap their adds, which one sum alone would wait for.
 */
function rowSums(sums: [string, Expr][]): string {
  return `${sums.map(([into]) => `(local.set $${into} (f32.const 0))`).join(" ")} (local.set $i (local.get $from))
    (local.set $end (i32.add (local.get $from) (local.get $stride)))
    (block $rb (loop $rl (br_if $rb (i32.ge_u (local.get $i) (local.get $end)))
      ${sums.map(([into, e]) => `(local.set $${into} (f32.add (local.get $${into}) ${e("f32")}))`).join("\n")}
      (local.set $i (i32.add (local.get $i) (i32.const 4))) (br $rl)))`;
}

/** Rows taken together by the LayerNorm kernels (their in-order sums run side by side). */
const BLOCK = 4;
const range = (n: number) => Array.from({ length: n }, (_, j) => j);

/**
 * The rows of `$n` floats in blocks of {@link BLOCK}, then one at a time: `body(R)` handles rows
 * `$row` … `$row + R − 1`, with `$from` at `$row`'s byte index and `$off<j>` = j rows' bytes.
 */
function rowBlocks(body: (R: number) => string): string {
  const pass = (R: number) =>
    `(block $done${R} (loop $next${R}
      (br_if $done${R} (i32.gt_u (i32.add (local.get $row) (i32.const ${R})) (local.get $rows)))
      (local.set $from (i32.mul (local.get $row) (local.get $stride)))
      ${body(R)}
      (local.set $row (i32.add (local.get $row) (i32.const ${R}))) (br $next${R})))`;
  return `(local.set $stride (i32.shl (local.get $n) (i32.const 2)))
    ${range(BLOCK).map((j) => `(local.set $off${j} (i32.mul (local.get $stride) (i32.const ${j})))`).join(" ")}
    (local.set $row (i32.const 0)) ${pass(BLOCK)} ${pass(1)}`;
}

/** For row `j` of a block: `$from` at its bytes and the per-row locals `$<name>` set from `$<name><j>`. */
function rowSetup(j: number, names: string[]): string {
  return `(local.set $from (i32.mul (i32.add (local.get $row) (i32.const ${j})) (local.get $stride)))
    ${names.map((v) => `(local.set $${v} (local.get $${v}${j}))`).join(" ")}`;
}

/** Locals of the row-block kernels: `type` locals `$<name>` and `$<name><j>` for each row of a block. */
const blockLocals = (names: string[], type: string) =>
  names.flatMap((v) => [v, ...range(BLOCK).map((j) => `${v}${j}`)]).map((v) => `(local $${v} ${type})`).join(" ");
const BLOCK_LOCALS = `(local $row i32) (local $stride i32) ${
  range(BLOCK).map((j) => `(local $off${j} i32)`).join(" ")
}`;

/** `$r`'s float for row `j` of the block (the per-row 1/√(variance + eps)). */
const rAddress = (j: number) =>
  `(i32.add (local.get $r) (i32.shl (i32.add (local.get $row) (i32.const ${j})) (i32.const 2)))`;

/** The row's mean of the sum in local `$<sum>`. */
const meanOf = (sum: string) => `(f32.div (local.get $${sum}) (f32.convert_i32_u (local.get $n)))`;

/** Move the column-indexed base `$<base>` by ∓`$from`, so that `base + $i` indexes it by the row's `$i`. */
const shift = (bases: string[], sign: "sub" | "add") =>
  bases.map((v) => `(local.set $${v} (i32.${sign} (local.get $${v}) (local.get $from)))`).join(" ");

const x = at("x"), g = at("g"), b = at("b"), dy = at("dy"), xhat = at("xhat"), s = at("s");
const y = at("y"), m = at("m"), v = at("v"), w = at("w"), m2 = at("m2"), v2 = at("v2"), gs = mul(g, scalar("scale"));
const ADAM_SCALARS = ["scale", "b1", "omb1", "b2", "omb2", "c1", "c2", "eps", "nlr"];
const zero: Expr = (l) => l === "f32" ? "(f32.const 0)" : "(v128.const f32x4 0 0 0 0)";

/**
 * Add the sum of rows `$row` … `$row + R − 1` to `$out`, column by column: `out + ((x₀ + x₁) + x₂) + x₃`
 * (the order of ONNX Runtime's product with a row of ones, below).
 */
function addRows(R: number): string {
  const sum = range(R).map((j) => atRow("x", j)).reduce((a, e) => add(a, e));
  return `(local.set $from (i32.mul (local.get $row) (local.get $stride))) ${shift(["out"], "sub")}
    ${mapLoop([["out", add(at("out"), sum)]])} ${shift(["out"], "add")}`;
}

/** The module's text; `shared` when the wasm backend's memory is shared (its threaded build). */
function moduleText(shared: boolean): string {
  const meanSub = sub(x, scalar("mean"));
  const dxhat = mul(dy, g);
  const xx = mul(x, x);
  return `(module
  (import "env" "memory" (memory ${shared ? "1 65536 shared" : "1"}))
  ;; u = x·(x²·c1 + c2), the sigmoid's argument of GELU (model.ts's gelu)
  (func (export "gelu_input") ${params(["x", "u", "n"], "i32")} ${params(["c1", "c2"], "f32")}
    ${LOOP_LOCALS} ${vectors(["c1", "c2"])}
    (local.set $from (i32.const 0))
    ${mapLoop([["u", mul(x, add(mul(xx, scalar("c1")), scalar("c2")))]], ["c1", "c2"])})
  ;; dx = dy·(s + x·(s − s²)·(x²·c3 + c2)), GELU's gradient at x with s = σ(u)
  (func (export "gelu_grad") ${params(["dy", "x", "s", "dx", "n"], "i32")} ${params(["c3", "c2"], "f32")}
    ${LOOP_LOCALS} ${vectors(["c3", "c2"])}
    (local.set $from (i32.const 0))
    ${
    mapLoop([[
      "dx",
      mul(dy, add(s, mul(mul(x, sub(s, mul(s, s))), add(mul(xx, scalar("c3")), scalar("c2"))))),
    ]], ["c3", "c2"])
  })
  ;; LayerNorm of rows: mean, variance = mean((x − mean)²), r = 1/√(variance + eps),
  ;; xhat = (x − mean)·r, y = xhat·g + b; r per row
  (func (export "layer_norm") ${params(["x", "g", "b", "y", "xhat", "r", "rows", "n"], "i32")} (param $eps f32)
    ${LOOP_LOCALS} ${BLOCK_LOCALS} ${blockLocals(["sum", "mean", "rr"], "f32")} ${vectors(["mean", "rr"])}
    ${
    rowBlocks((R) => {
      const d = (j: number) => sub(atRow("x", j), scalar(`mean${j}`));
      return `${rowSums(range(R).map((j) => [`sum${j}`, atRow("x", j)]))}
      ${range(R).map((j) => `(local.set $mean${j} ${meanOf(`sum${j}`)})`).join(" ")}
      ${rowSums(range(R).map((j) => [`sum${j}`, mul(d(j), d(j))]))}
      ${
        range(R).map((j) =>
          `(local.set $rr${j} (f32.div (f32.const 1) (f32.sqrt (f32.add ${meanOf(`sum${j}`)} (local.get $eps)))))
          (f32.store ${rAddress(j)} (local.get $rr${j}))`
        ).join("\n")
      }
      ${
        range(R).map((j) =>
          `${rowSetup(j, ["mean", "rr"])} ${shift(["g", "b"], "sub")}
          ${
            mapLoop([["xhat", mul(meanSub, scalar("rr"))], ["y", add(mul(mul(meanSub, scalar("rr")), g), b)]], [
              "mean",
              "rr",
            ])
          }
          ${shift(["g", "b"], "add")}`
        ).join("\n")
      }`;
    })
  })
  ;; the attention's scores·scale + bias over slabs of n floats, slab s taking bias slab (s / per) % count
  (func (export "scale_add") ${params(["x", "bias", "out", "slabs", "n", "per", "count"], "i32")} (param $scale f32)
    ${LOOP_LOCALS} (local $slab i32) (local $b i32) ${vectors(["scale"])}
    (local.set $slab (i32.const 0))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $slab) (local.get $slabs)))
      (local.set $from (i32.mul (local.get $slab) (i32.shl (local.get $n) (i32.const 2))))
      (local.set $b (i32.sub (i32.add (local.get $bias) (i32.mul
        (i32.rem_u (i32.div_u (local.get $slab) (local.get $per)) (local.get $count))
        (i32.shl (local.get $n) (i32.const 2)))) (local.get $from)))
      ${mapLoop([["out", add(mul(x, scalar("scale")), at("b"))]], ["scale"])}
      (local.set $slab (i32.add (local.get $slab) (i32.const 1))) (br $next))))
  ;; softmax's gradient times the scale of its input: with p = dy·y, dx = (p − Σp·y)·scale, Σ in order
  ;; (as tfjs's Sum), rows four at a time
  (func (export "softmax_grad") ${params(["dy", "y", "dx", "rows", "n"], "i32")} (param $scale f32)
    ${LOOP_LOCALS} ${BLOCK_LOCALS} ${blockLocals(["sum"], "f32")} ${vectors(["sum", "scale"])}
    ${
    rowBlocks((R) =>
      `${rowSums(range(R).map((j) => [`sum${j}`, mul(atRow("dy", j), atRow("y", j))]))}
      ${
        range(R).map((j) =>
          `${rowSetup(j, ["sum"])}
          ${mapLoop([["dx", mul(sub(mul(dy, y), mul(scalar("sum"), y)), scalar("scale"))]], ["sum", "scale"])}`
        ).join("\n")
      }`
    )
  })
  ;; Adam's step on a gradient scaled by the clip: with g' = g·scale, m' = m·β1 + g'·(1 − β1),
  ;; v' = v·β2 + g'²·(1 − β2), w' = (m'/c1)/(√(v'/c2) + ε)·(−lr) + w (c1, c2 = 1 − β1ᵗ, 1 − β2ᵗ)
  (func (export "adam") ${params(["g", "m", "v", "w", "m2", "v2", "w2", "n"], "i32")}
    ${params(["scale", "b1", "omb1", "b2", "omb2", "c1", "c2", "eps", "nlr"], "f32")}
    ${LOOP_LOCALS} ${vectors(ADAM_SCALARS)}
    (local.set $from (i32.const 0))
    ${
    mapLoop([
      ["m2", add(mul(m, scalar("b1")), mul(gs, scalar("omb1")))],
      ["v2", add(mul(v, scalar("b2")), mul(mul(gs, gs), scalar("omb2")))],
      ["w2", add(mul(div(div(m2, scalar("c1")), add(sqrt(div(v2, scalar("c2"))), scalar("eps"))), scalar("nlr")), w)],
    ], ADAM_SCALARS)
  })
  ;; column sums of rows [rows, n] as ONNX Runtime's product of a row of ones takes them (MLAS's kernel
  ;; for one output row): from 0, the rows in groups of four, each group summed in order and then added;
  ;; the last one to three rows as a group of two, then one
  (func (export "column_sums") ${params(["x", "out", "rows", "n"], "i32")} ${LOOP_LOCALS} ${BLOCK_LOCALS}
    (local.set $from (i32.const 0)) ${mapLoop([["out", zero]])}
    (local.set $stride (i32.shl (local.get $n) (i32.const 2)))
    ${range(BLOCK).map((j) => `(local.set $off${j} (i32.mul (local.get $stride) (i32.const ${j})))`).join(" ")}
    (local.set $row (i32.const 0))
    (block $done (loop $next
      (br_if $done (i32.gt_u (i32.add (local.get $row) (i32.const ${BLOCK})) (local.get $rows)))
      ${addRows(BLOCK)}
      (local.set $row (i32.add (local.get $row) (i32.const ${BLOCK}))) (br $next)))
    (if (i32.ge_u (i32.sub (local.get $rows) (local.get $row)) (i32.const 2))
      (then ${addRows(2)} (local.set $row (i32.add (local.get $row) (i32.const 2)))))
    (if (i32.lt_u (local.get $row) (local.get $rows)) (then ${addRows(1)})))
  ;; LayerNorm's gradient: with dxhat = dy·g, dx = (dxhat − mean(dxhat) − xhat·mean(dxhat·xhat))·r,
  ;; and dy·xhat (whose row sum is g's gradient)
  (func (export "layer_norm_grad") ${params(["dy", "g", "xhat", "r", "dx", "dyx", "rows", "n"], "i32")}
    ${LOOP_LOCALS} ${BLOCK_LOCALS} ${blockLocals(["s1", "s2", "m1", "m2", "rr"], "f32")} ${vectors(["m1", "m2", "rr"])}
    ${
    rowBlocks((R) => {
      const dh = (j: number) => mul(atRow("dy", j), g);
      return `${shift(["g"], "sub")}
      ${
        rowSums(
          range(R).flatMap((j) => [[`s1${j}`, dh(j)], [`s2${j}`, mul(dh(j), atRow("xhat", j))]] as [string, Expr][]),
        )
      }
      ${shift(["g"], "add")}
      ${
        range(R).map((j) =>
          `(local.set $m1${j} ${meanOf(`s1${j}`)}) (local.set $m2${j} ${meanOf(`s2${j}`)})
          (local.set $rr${j} (f32.load ${rAddress(j)}))`
        ).join("\n")
      }
      ${
        range(R).map((j) =>
          `${rowSetup(j, ["m1", "m2", "rr"])} ${shift(["g"], "sub")}
          ${
            mapLoop([
              ["dx", mul(sub(sub(dxhat, scalar("m1")), mul(xhat, scalar("m2"))), scalar("rr"))],
              ["dyx", mul(dy, xhat)],
            ], ["m1", "m2", "rr"])
          }
          ${shift(["g"], "add")}`
        ).join("\n")
      }`;
    })
  })
)`;
}

/** The functions of the assembled module, by byte offsets into the wasm backend's memory. */
interface FusedModule {
  gelu_input(x: number, u: number, n: number, c1: number, c2: number): void;
  gelu_grad(dy: number, x: number, s: number, dx: number, n: number, c3: number, c2: number): void;
  layer_norm(
    x: number,
    g: number,
    b: number,
    y: number,
    xhat: number,
    r: number,
    rows: number,
    n: number,
    eps: number,
  ): void;
  layer_norm_grad(
    dy: number,
    g: number,
    xhat: number,
    r: number,
    dx: number,
    dyx: number,
    rows: number,
    n: number,
  ): void;
  column_sums(x: number, out: number, rows: number, n: number): void;
  scale_add(
    x: number,
    bias: number,
    out: number,
    slabs: number,
    n: number,
    per: number,
    count: number,
    scale: number,
  ): void;
  softmax_grad(dy: number, y: number, dx: number, rows: number, n: number, scale: number): void;
  adam(
    g: number,
    m: number,
    v: number,
    w: number,
    m2: number,
    v2: number,
    w2: number,
    n: number,
    ...scalars: AdamScalars
  ): void;
}

/** Adam's scalars in the kernel's order: scale, β1, 1 − β1, β2, 1 − β2, 1 − β1ᵗ, 1 − β2ᵗ, ε, −lr. */
type AdamScalars = [number, number, number, number, number, number, number, number, number];

type WasmBackend = tf.KernelBackend & {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  dataIdMap: { get(dataId: tf.DataId): { memoryOffset: number } };
  /** The module's memory: imported by the threaded build (`wasmMemory`), exported by the other. */
  wasm: { wasmMemory?: WebAssembly.Memory; asm: { memory?: WebAssembly.Memory } };
};

/** The module, once assembled for the wasm backend's memory (undefined before {@link useFusedKernels}). */
let fused: FusedModule | undefined;

/**
 * Assemble the kernels against the active wasm backend's memory and register them (once; later
 * calls do nothing). Call after tfjs's `wasm` backend is set.
 */
export async function useFusedKernels(): Promise<void> {
  if (fused) return;
  const { wasm } = tf.backend() as WasmBackend;
  const memory = wasm.wasmMemory ?? wasm.asm.memory!;
  const wabt = await wabtInit();
  const text = moduleText(memory.buffer instanceof SharedArrayBuffer);
  const parsed = wabt.parseWat("fused_kernels.wat", text, { simd: true, threads: true });
  try {
    const { buffer } = parsed.toBinary({});
    const instance = new WebAssembly.Instance(new WebAssembly.Module(buffer as Uint8Array<ArrayBuffer>), {
      env: { memory },
    });
    fused = instance.exports as unknown as FusedModule;
  } finally {
    parsed.destroy();
  }
  registerKernels();
}

/** Whether {@link withoutFusedKernels} is running its function. */
let off = false;

/** Whether the fused kernels stand in for the tfjs chains now (tfjs's `wasm` backend, with them assembled). */
export function fusedKernelsActive(): boolean {
  return fused !== undefined && !off && tf.getBackend() === "wasm";
}

/**
 * `f()` with the tfjs chains the fused kernels replace (to compare the two:
 * their values, gradients and speed).
 */
export function withoutFusedKernels<T>(f: () => T): T {
  const was = off;
  off = true;
  try {
    return f();
  } finally {
    off = was;
  }
}

function registerKernels(): void {
  const offset = (backend: WasmBackend, t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset;
  const size = (t: tf.TensorInfo) => tf.util.sizeFromShape(t.shape);
  /** Register `name` on wasm: `run` gets the backend, the inputs, the attributes and makes its outputs. */
  const register = (
    name: string,
    run: (
      backend: WasmBackend,
      inputs: Record<string, tf.TensorInfo>,
      attrs: Record<string, number>,
    ) => tf.TensorInfo | tf.TensorInfo[],
  ) =>
    tf.registerKernel({
      kernelName: name,
      backendName: "wasm",
      kernelFunc: ({ inputs, attrs, backend }) =>
        run(backend as WasmBackend, inputs as Record<string, tf.TensorInfo>, attrs as Record<string, number>),
    });
  register(GELU_INPUT, (backend, { x }, { c1, c2 }) => {
    const u = backend.makeOutput(x.shape, "float32");
    fused!.gelu_input(offset(backend, x), offset(backend, u), size(x), c1, c2);
    return u;
  });
  register(GELU_GRAD, (backend, { dy, x, s }, { c3, c2 }) => {
    const dx = backend.makeOutput(x.shape, "float32");
    fused!.gelu_grad(offset(backend, dy), offset(backend, x), offset(backend, s), offset(backend, dx), size(x), c3, c2);
    return dx;
  });
  register(LAYER_NORM, (backend, { x, g, b }, { eps }) => {
    const n = x.shape[x.shape.length - 1];
    const y = backend.makeOutput(x.shape, "float32"), xhat = backend.makeOutput(x.shape, "float32");
    const r = backend.makeOutput([...x.shape.slice(0, -1), 1], "float32");
    const [xo, go, bo, yo, ho, ro] = [x, g, b, y, xhat, r].map((t) => offset(backend, t));
    fused!.layer_norm(xo, go, bo, yo, ho, ro, size(x) / n, n, eps);
    return [y, xhat, r];
  });
  register(LAYER_NORM_GRAD, (backend, { dy, g, xhat, r }) => {
    const n = xhat.shape[xhat.shape.length - 1];
    const dx = backend.makeOutput(xhat.shape, "float32"), dyx = backend.makeOutput(xhat.shape, "float32");
    const [dyo, go, ho, ro, dxo, dyxo] = [dy, g, xhat, r, dx, dyx].map((t) => offset(backend, t));
    fused!.layer_norm_grad(dyo, go, ho, ro, dxo, dyxo, size(xhat) / n, n);
    return [dx, dyx];
  });
  register(SCALE_ADD, (backend, { x, bias }, { scale }) => {
    const n = x.shape.at(-1)! * x.shape.at(-2)!, slabs = size(x) / n;
    const out = backend.makeOutput(x.shape, "float32");
    // Bias slab b serves x's slabs b·per … (b + 1)·per − 1: [1 or B, 1, T, L] against [B, H, T, L].
    const count = size(bias) / n, per = x.shape[1];
    fused!.scale_add(offset(backend, x), offset(backend, bias), offset(backend, out), slabs, n, per, count, scale);
    return out;
  });
  register(SOFTMAX_GRAD, (backend, { dy, y }, { scale }) => {
    const n = y.shape.at(-1)!;
    const dx = backend.makeOutput(y.shape, "float32");
    fused!.softmax_grad(offset(backend, dy), offset(backend, y), offset(backend, dx), size(y) / n, n, scale);
    return dx;
  });
  register(ADAM, (backend, { g, m, v, w }, attrs) => {
    const [m2, v2, w2] = [m, v, w].map((t) => backend.makeOutput(t.shape, "float32"));
    const [go, mo, vo, wo, m2o, v2o, w2o] = [g, m, v, w, m2, v2, w2].map((t) => offset(backend, t));
    const scalars = ADAM_SCALARS.map((name) => attrs[name]) as AdamScalars;
    fused!.adam(go, mo, vo, wo, m2o, v2o, w2o, size(w), ...scalars);
    return [m2, v2, w2];
  });
  register(COLUMN_SUMS, (backend, { x }) => {
    const [rows, n] = x.shape;
    const out = backend.makeOutput([n], "float32");
    fused!.column_sums(offset(backend, x), offset(backend, out), rows, n);
    return out;
  });
}

const GELU_INPUT = "CreditBenchGeluInput", GELU_GRAD = "CreditBenchGeluGrad";
const LAYER_NORM = "CreditBenchLayerNorm", LAYER_NORM_GRAD = "CreditBenchLayerNormGrad";
const COLUMN_SUMS = "CreditBenchColumnSums", ADAM = "CreditBenchAdam";
const SCALE_ADD = "CreditBenchScaleAdd", SOFTMAX_GRAD = "CreditBenchSoftmaxGrad";

/** GELU's sigmoid argument `x·(x²·c1 + c2)`, one pass (see model.ts's gelu). */
export function fusedGeluInput(x: tf.Tensor, c1: number, c2: number): tf.Tensor {
  return tf.engine().runKernel(GELU_INPUT, { x }, { c1, c2 }) as tf.Tensor;
}

/** GELU's gradient `dy·(s + x·(s − s²)·(x²·c3 + c2))`, one pass. */
export function fusedGeluGrad(dy: tf.Tensor, x: tf.Tensor, s: tf.Tensor, c3: number, c2: number): tf.Tensor {
  return tf.engine().runKernel(GELU_GRAD, { dy, x, s }, { c3, c2 }) as tf.Tensor;
}

/** LayerNorm over the last axis: `[y, xhat, r]` (r with a last axis of 1), one pass a row. */
export function fusedLayerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor[] {
  return tf.engine().runKernel(LAYER_NORM, { x, g, b }, { eps }) as tf.Tensor[];
}

/** LayerNorm's input gradient and `dy·xhat`: `[dx, dyx]`. */
export function fusedLayerNormGrad(dy: tf.Tensor, g: tf.Tensor, xhat: tf.Tensor, r: tf.Tensor): tf.Tensor[] {
  return tf.engine().runKernel(LAYER_NORM_GRAD, { dy, g, xhat, r }, {}) as tf.Tensor[];
}

/**
 * The sum of the rows of `x` [rows, n], one pass, to the bit what ONNX Runtime's `MatMul` of a row of
 * ones by `x` gives (the `wasm-ort` backend's product, whose kernel for one output row adds the rows
 * in groups of four, then two, then one); on `wasm` that product is XNNPACK's, which sums in another order.
 */
export function fusedColumnSums(x: tf.Tensor2D): tf.Tensor1D {
  return tf.engine().runKernel(COLUMN_SUMS, { x }, {}) as tf.Tensor1D;
}

/**
 * Whether {@link fusedColumnSums} gives the bits of the active backend's product of a row of ones, on a
 * probe of 7 rows (a group of four, of two and of one) of values spread over eight orders of magnitude,
 * whose column sums round differently in other orders: true for ONNX Runtime's product on x86-64.
 */
export function columnSumsMatchProduct(): boolean {
  return tf.tidy(() => {
    const rows = 7, n = 64;
    const values = Float32Array.from({ length: rows * n }, (_, i) => Math.sin(12.9898 * i) * 10 ** ((7 * i) % 9 - 4));
    const x = tf.tensor2d(values, [rows, n]);
    const fused = fusedColumnSums(x).dataSync(), product = tf.matMul(tf.ones([1, rows]), x).dataSync();
    return fused.every((v, i) => Object.is(v, product[i]));
  });
}

/** The scalars of one Adam step (see {@link fusedAdam}). */
export interface AdamStep {
  /** The gradient's factor (the global-norm clip; 1: none). */
  scale: number;
  /** β1 and β2. */
  beta1: number;
  beta2: number;
  /** 1 − β1ᵗ and 1 − β2ᵗ, the bias corrections of step t. */
  c1: number;
  c2: number;
  /** ε, added to √v̂. */
  epsilon: number;
  /** The learning rate. */
  lr: number;
}

/**
 * One Adam step of a variable `w` with moments `m`, `v` and gradient `g`, one pass: `[m', v', w']`, the
 * float32 operations and order of tfjs's `AdamOptimizer` (after the gradient's `mul` by the clip scale).
 */
export function fusedAdam(g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, w: tf.Tensor, step: AdamStep): tf.Tensor[] {
  const { scale, beta1, beta2, c1, c2, epsilon, lr } = step;
  const attrs = { scale, b1: beta1, omb1: 1 - beta1, b2: beta2, omb2: 1 - beta2, c1, c2, eps: epsilon, nlr: -lr };
  return tf.engine().runKernel(ADAM, { g, m, v, w }, attrs) as tf.Tensor[];
}

/**
 * Whether {@link fusedScaleAdd} takes this bias for these scores: scores [B, H, T, L], bias
 * [1 or B, 1, T, L] (the same one for every head).
 */
export function scaleAddFits(scores: tf.Tensor, bias: tf.Tensor): boolean {
  const [B, , T, L] = scores.shape, [b, h, t, l] = bias.shape;
  return scores.rank === 4 && bias.rank === 4 && (b === 1 || b === B) && h === 1 && t === T && l === L;
}

/** The attention's `scores·scale + bias`, one pass (bias as {@link scaleAddFits} takes it). */
export function fusedScaleAdd(scores: tf.Tensor, bias: tf.Tensor, scale: number): tf.Tensor {
  return tf.engine().runKernel(SCALE_ADD, { x: scores, bias }, { scale }) as tf.Tensor;
}

/**
 * The gradient of `softmax(x·scale + bias)` with respect to x, from softmax's output `y` over the last
 * axis and the output's gradient `dy`: `(dy·y − Σ(dy·y)·y)·scale`, one pass a row, as tfjs's softmax
 * gradient and `mul`'s compute it.
 */
export function fusedSoftmaxGrad(dy: tf.Tensor, y: tf.Tensor, scale: number): tf.Tensor {
  return tf.engine().runKernel(SOFTMAX_GRAD, { dy, y }, { scale }) as tf.Tensor;
}
