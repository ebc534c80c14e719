/**
 * TensorFlow.js backends. `wasm-ort`, the default, is tfjs's wasm backend (SIMD) with its float32
 * matrix products run natively by ONNX Runtime (harness/backend/native_products.ts); `wasm` is the same
 * backend with every kernel in wasm (XNNPACK's products: ~2.3× slower steps, no native library);
 * `cpu` the pure-JS fallback; `tensorflow` and `tensorflow-gpu` load `@tensorflow/tfjs-node(-gpu)`
 * only when asked for, since their install downloads libtensorflow. The two wasm backends round
 * products differently, so they are different backends to the results store and the base-model cache.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { NativeProducts } from "./native_products.ts";
import { firstLine } from "../core/errors.ts";
import { columnSumsMatchProduct, fusedKernelsActive, useFusedKernels } from "./fused_kernels.ts";

/**
 * The backends credit-bench can train and sample on, the default (`wasm-ort`) first.
 *
 * @example
 * ```ts
 * import { BACKENDS } from "@credit-bench/credit-bench";
 *
 * console.log(BACKENDS.join(", "));
 * ```
 */
export const BACKENDS = ["wasm-ort", "wasm", "cpu", "tensorflow", "tensorflow-gpu"] as const;
/**
 * One of {@link BACKENDS}.
 *
 * @example
 * ```ts
 * import type { BackendName } from "@credit-bench/credit-bench";
 *
 * const backend: BackendName = "cpu";
 * ```
 */
export type BackendName = typeof BACKENDS[number];
/** The backends that run on tfjs's wasm backend (and take wasm threads). */
export type WasmBackendName = "wasm-ort" | "wasm";
/** The backend runs use unless told otherwise. */
export const DEFAULT_BACKEND: WasmBackendName = "wasm-ort";
/** Whether `name` runs on tfjs's wasm backend. */
export function isWasm(name: string): name is WasmBackendName {
  return name === "wasm-ort" || name === "wasm";
}

/** Whether {@link registerWasmFixes} has run (it runs once, at the first {@link useBackend}). */
let fixed = false;
/** ONNX Runtime's products, opened on first use of `wasm-ort`. */
let native: NativeProducts | undefined;
/** Whether wasm's float32 products go to {@link native} (while `wasm-ort` is the active backend). */
let nativeActive = false;

/**
 * The permissions a native backend needs besides the bench task's (its Node.js addon reads the whole
 * environment and the system).
 */
export const NATIVE_PERMISSIONS: readonly string[] = ["--allow-env", "--allow-ffi", "--allow-sys"];

const NATIVE: Record<string, string> = {
  "tensorflow": "@tensorflow/tfjs-node@4.22.0",
  "tensorflow-gpu": "@tensorflow/tfjs-node-gpu@4.22.0",
};

/** Whether `name` is a native backend (`@tensorflow/tfjs-node(-gpu)`, which needs {@link NATIVE_PERMISSIONS}). */
export function isNative(name: string): boolean {
  return Object.hasOwn(NATIVE, name);
}

/** The folder holding the WASM binaries of @tensorflow/tfjs-backend-wasm, as a file URL. */
function wasmDir(): string {
  return new URL("../../node_modules/@tensorflow/tfjs-backend-wasm/dist/", import.meta.url).href;
}

/** Thrown when a backend cannot be set up; the message says how to fix it. */
export class BackendError extends Error {
  /** Wrap a failure to start `backend`. */
  constructor(readonly backend: string, message: string) {
    super(message);
    this.name = "BackendError";
  }
}

/** How to install a native backend under Deno (CUDA 11.2 and cuDNN 8.1 for -gpu, as TensorFlow 2.9 needs). */
function installHint(backend: BackendName): string {
  const pkg = `npm:${NATIVE[backend]}`;
  return `install it with \`deno add ${pkg} && deno install --allow-scripts=${pkg}\`` +
    (backend === "tensorflow-gpu" ? " on a machine with an NVIDIA driver, CUDA 11.2 and cuDNN 8.1" : "") +
    `, or use --backend wasm`;
}

/**
 * Import `@tensorflow/tfjs-node(-gpu)`, which registers the `tensorflow` backend. Refused before any
 * import when the package is not installed in node_modules (importing would fetch it and change
 * deno.lock without its native library).
 */
async function loadNative(backend: BackendName): Promise<void> {
  const name = NATIVE[backend].slice(0, NATIVE[backend].lastIndexOf("@"));
  try {
    await Deno.stat(new URL(`../../node_modules/${name}/package.json`, import.meta.url));
  } catch {
    throw new BackendError(
      backend,
      `backend ${backend} is not installed (${name} is optional); ${installHint(backend)}`,
    );
  }
  try {
    await import(`npm:${NATIVE[backend]}`);
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
      throw new BackendError(
        backend,
        `backend ${backend} loads a Node.js native addon, which needs more permissions: run ` +
          `deno run --allow-read --allow-write ${
            NATIVE_PERMISSIONS.join(" ")
          } harness/cli.ts bench --backend ${backend}`,
      );
    }
    throw new BackendError(
      backend,
      `backend ${backend}: ${name}'s native TensorFlow library could not be loaded (${
        firstLine(e)
      }); its install script must run: ${installHint(backend)}`,
    );
  }
}

type WasmBackend = tf.KernelBackend & {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): tf.TypedArray;
  incRef(dataId: tf.DataId): void;
  dataIdMap: { get(dataId: tf.DataId): { memoryOffset: number } };
  dataIdNextNumber: number;
  disposeData(dataId: tf.DataId): boolean;
  wasm: {
    cwrap(name: string, returns: null, args: string[]): (...args: unknown[]) => void;
    tfjs: { registerTensor(id: number, size: number, memoryOffset: number): void; disposeData(id: number): void };
    HEAPU8: Uint8Array;
  };
};

/** `x[begin : begin + size]` (sizes resolved), copied heap to heap: whole when contiguous, else one run of the last axis per row. */
function heapSlice(backend: WasmBackend, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  const [to, from] = [backend.typedArrayFromHeap(out), backend.typedArrayFromHeap(x)];
  const strides = tf.util.computeStrides(x.shape);
  if (tf.slice_util.isSliceContinous(x.shape, begin, size)) {
    const at = tf.slice_util.computeFlatOffset(begin, strides);
    to.set(from.subarray(at, at + to.length));
    return out;
  }
  // `index` counts through the rows' positions like an odometer.
  const r = size.length, run = size[r - 1], index = new Array(r - 1).fill(0);
  for (let row = 0; row * run < to.length; row++) {
    const at = begin[r - 1] + index.reduce((sum, i, d) => sum + (begin[d] + i) * strides[d], 0);
    to.set(from.subarray(at, at + run), row * run);
    for (let d = r - 2; d >= 0 && ++index[d] === size[d]; d--) index[d] = 0;
  }
  return out;
}

/** A kernel as tfjs calls it: inputs by name and attributes, on a backend. */
type KernelCall = (inputs: Record<string, tf.TensorInfo>, attrs: Record<string, unknown>) => tf.TensorInfo;

/**
 * Replace the wasm backend's kernel `name` with `kernelFunc`, given the kernel's inputs by name and
 * the stock kernel (to call on other inputs); calls with a string tensor, and calls where it returns
 * null, go to the stock kernel.
 */
function replaceKernel(
  name: string,
  kernelFunc: (
    inputs: Record<string, tf.TensorInfo>,
    attrs: Record<string, unknown>,
    backend: WasmBackend,
    stock: KernelCall,
  ) => tf.TensorInfo | tf.TensorInfo[] | null,
): void {
  const stock = tf.getKernel(name, "wasm")!;
  tf.unregisterKernel(name, "wasm");
  tf.registerKernel({
    ...stock,
    kernelFunc: (args) => {
      const { inputs, attrs, backend } = args as unknown as {
        inputs: Record<string, tf.TensorInfo>;
        attrs: Record<string, unknown>;
        backend: WasmBackend;
      };
      const text = Object.values(inputs).some((t) => t.dtype === "string");
      const call: KernelCall = (inputs, attrs) =>
        stock.kernelFunc({ ...args, inputs, attrs } as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
      return (text ? null : kernelFunc(inputs, attrs, backend, call)) ?? stock.kernelFunc(args);
    },
  });
}

/** `x`'s slices at `indices` along `axis`, copied heap to heap one slice at a time. */
function heapGather(backend: WasmBackend, x: tf.TensorInfo, indices: tf.TensorInfo, axis: number): tf.TensorInfo {
  const size = tf.util.sizeFromShape;
  const n = x.shape[axis], outer = size(x.shape.slice(0, axis)), inner = size(x.shape.slice(axis + 1));
  const idx = backend.typedArrayFromHeap(indices);
  const bad = idx.find((k) => !(k >= 0 && k < n));
  if (bad !== undefined) throw new RangeError(`gather: index ${bad} is not in [0, ${n - 1}]`);
  const out = backend.makeOutput([...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)], x.dtype);
  const [to, from] = [backend.typedArrayFromHeap(out), backend.typedArrayFromHeap(x)];
  for (let o = 0, at = 0; o < outer; o++) {
    for (const k of idx) {
      const start = (o * n + k) * inner;
      to.set(from.subarray(start, start + inner), at);
      at += inner;
    }
  }
  return out;
}

/** The wasm module's matrix product, by tensor ids (`BatchMatMul`; 2-D operands go through XNNPACK). */
let wasmProduct: ((...args: unknown[]) => void) | undefined;

/**
 * Batched `a @ b` ([..., m, k] @ [..., k, n], equal batch dims) as one XNNPACK 2-D product per
 * matrix: each matrix of `a`, `b` and the output is registered with the wasm module under an id of
 * its own pointing into the tensor's memory, so nothing is copied. wasm's own batched product is a
 * plain loop (~2.5 GFLOP/s against XNNPACK's ~17 on one thread).
 */
function heapBatchProduct(backend: WasmBackend, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
  const [m, k] = a.shape.slice(-2), n = b.shape[b.shape.length - 1];
  const count = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const out = backend.makeOutput([...a.shape.slice(0, -2), m, n], "float32");
  const args = ["number", "array", "number", "number", "array", "number", "number", "number", "number"];
  wasmProduct ??= backend.wasm.cwrap("BatchMatMul", null, args);
  const shape = (rows: number, cols: number) => new Uint8Array(new Int32Array([1, rows, cols]).buffer);
  const [aShape, bShape] = [shape(m, k), shape(k, n)];
  const at = [a, b, out].map((t) => backend.dataIdMap.get(t.dataId).memoryOffset);
  for (let i = 0; i < count; i++) {
    const ids = [[at[0], m * k], [at[1], k * n], [at[2], m * n]].map(([base, size]) => {
      const id = backend.dataIdNextNumber++;
      backend.wasm.tfjs.registerTensor(id, size, base + 4 * i * size);
      return id;
    });
    wasmProduct(ids[0], aShape, 3, ids[1], bShape, 3, false, false, ids[2]);
    ids.forEach((id) => backend.wasm.tfjs.disposeData(id)); // also drops XNNPACK's operator for that b
  }
  return out;
}

/** Whether the fused column sums give the bits of ONNX Runtime's product with a row of ones (probed once). */
let columnSumsExact: boolean | undefined;

/**
 * Whether a sum over rows may take the fused column sums (harness/backend/fused_kernels.ts) in place of
 * a product with a row of ones: on `wasm-ort`, where they give that product's bits (checked once, at
 * the backend's start, on a probe).
 */
export function fusedColumnSumsActive(): boolean {
  return nativeActive && columnSumsExact === true && fusedKernelsActive();
}

/**
 * `a @ b` ([..., m, k] @ [..., k, n], equal batch dims; `a` as [..., k, m] with `transposeA`, `b` as
 * [..., n, k] with `transposeB`) by ONNX Runtime, read from and written to the heap.
 */
function nativeProduct(
  backend: WasmBackend,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): tf.TensorInfo {
  const [m, n] = [a.shape.at(transposeA ? -1 : -2)!, b.shape.at(transposeB ? -2 : -1)!];
  const out = backend.makeOutput([...a.shape.slice(0, -2), m, n], "float32");
  const at = (t: tf.TensorInfo) => ({ offset: backend.dataIdMap.get(t.dataId).memoryOffset, shape: t.shape });
  try {
    // The heap as it is after makeOutput grew it.
    native!.product(backend.wasm.HEAPU8, at(a), at(b), at(out), transposeA, transposeB);
  } catch (e) {
    backend.disposeData(out.dataId);
    throw e;
  }
  return out;
}

/**
 * Faster wasm kernels, same values. The stock Slice first copies its whole input out of the heap
 * (1.5 ms per slice of a 2 MB tensor; 128 row blocks of one tensor ~70× slower): Slice and SplitV
 * (which called the stock slice per part) copy heap to heap instead, and so does GatherV2 (the stock
 * one took 13–16 ms for 4,400 rows of 128 floats, 10–60× longer). Float32 products go to ONNX Runtime
 * on `wasm-ort` ({@link nativeProduct}); on `wasm` a transposed operand is transposed first, and
 * batched products run XNNPACK per matrix ({@link heapBatchProduct}). Identity, and a Cast to the
 * dtype a tensor has, share its memory, as Reshape does, instead of copying it. Mean's gradient
 * divides `dy` by the count before it is broadcast to the input's shape (tfjs divides after: the same
 * quotients, n times as many divisions).
 */
function registerWasmFixes(): void {
  if (fixed) return;
  fixed = true;
  replaceKernel("Slice", ({ x }, attrs, backend) => {
    const [begin, size] = tf.slice_util.parseSliceParams(
      x as tf.Tensor,
      attrs.begin as number[],
      attrs.size as number[],
    );
    return heapSlice(backend, x, begin, size);
  });
  replaceKernel("SplitV", ({ x }, attrs, backend) => {
    const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, attrs.numOrSizeSplits as number[], axis);
    const begin = x.shape.map(() => 0);
    return sizes.map((s) => {
      const out = heapSlice(backend, x, begin, x.shape.map((n, d) => (d === axis ? s : n)));
      begin[axis] += s;
      return out;
    });
  });
  replaceKernel("BatchMatMul", ({ a, b }, attrs, backend, stock) => {
    const [transposeA, transposeB] = [attrs.transposeA === true, attrs.transposeB === true];
    const batch = a.shape.slice(0, -2);
    if (a.dtype !== "float32" || b.dtype !== "float32" || batch.join() !== b.shape.slice(0, -2).join()) return null;
    if (nativeActive) return nativeProduct(backend, a, b, transposeA, transposeB);
    // wasm's product of a transposed operand is 10–25× slower than a transpose and a plain product.
    const transpose = tf.getKernel("Transpose", "wasm")!.kernelFunc;
    const swapped = (x: tf.TensorInfo) => {
      const perm = x.shape.map((_, i) => i);
      perm.push(...perm.splice(-2).reverse());
      return transpose({ inputs: { x }, attrs: { perm }, backend } as never) as tf.TensorInfo;
    };
    const [x, y] = [transposeA ? swapped(a) : a, transposeB ? swapped(b) : b];
    try {
      return tf.util.sizeFromShape(batch) > 1 && x.shape.at(-2)! > 1
        ? heapBatchProduct(backend, x, y)
        : stock({ a: x, b: y }, { ...attrs, transposeA: false, transposeB: false });
    } finally {
      for (const [t, was] of [[x, a], [y, b]]) if (t !== was) backend.disposeData(t.dataId);
    }
  });
  replaceKernel(
    "GatherV2",
    ({ x, indices }, attrs, backend) =>
      attrs.batchDims
        ? null
        : heapGather(backend, x, indices, tf.util.parseAxisParam(attrs.axis as number, x.shape)[0]),
  );
  const share = (x: tf.TensorInfo, backend: WasmBackend) => {
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  replaceKernel("Identity", ({ x }, _attrs, backend) => share(x, backend));
  // tfjs's gradients cast operands to float32 that are float32 already (Mul's, for one).
  replaceKernel("Cast", ({ x }, attrs, backend) => (attrs.dtype === x.dtype ? share(x, backend) : null));
  tf.registerGradient({
    kernelName: "Mean",
    inputsToSave: ["x"],
    gradFunc: (dy, [x], attrs) => {
      const axes = tf.util.parseAxisParam((attrs as { axis: number | number[] }).axis, x.shape);
      const kept = x.shape.map((n, d) => (axes.includes(d) ? 1 : n));
      const n = axes.reduce((p, d) => p * x.shape[d], 1);
      return { x: () => tf.mul(tf.div(tf.reshape(dy as tf.Tensor, kept), n), tf.fill(x.shape, 1)) };
    },
  });
}
/** ONNX Runtime's products for `wasm-ort`; throws a {@link BackendError} saying how to fix a failure. */
function openNative(): NativeProducts {
  try {
    return NativeProducts.open();
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
      throw new BackendError(
        "wasm-ort",
        "backend wasm-ort runs its matrix products through ONNX Runtime's C API, whose pointers Deno " +
          "allows only with the whole FFI permission: run deno with --allow-ffi, or use --backend wasm",
      );
    }
    throw new BackendError(
      "wasm-ort",
      `backend wasm-ort: ONNX Runtime's library could not be opened (${firstLine(e)}); run \`deno install\` ` +
        "(npm:onnxruntime-node@1.30.0 ships it), or use --backend wasm",
    );
  }
}

/**
 * Make `name` the active backend (idempotent), with the wasm kernels replaced by {@link registerWasmFixes}
 * at the first call (importing this module replaces nothing); throws a {@link BackendError} saying how
 * to fix a failure.
 */
export async function useBackend(name: string): Promise<BackendName> {
  if (!(BACKENDS as readonly string[]).includes(name)) {
    throw new BackendError(name, `unknown backend ${JSON.stringify(name)}; choose one of: ${BACKENDS.join(", ")}`);
  }
  registerWasmFixes();
  const backend = name as BackendName;
  const tfName = backend === "tensorflow-gpu" ? "tensorflow" : backend === "wasm-ort" ? "wasm" : backend;
  if (backend === "wasm-ort") native ??= openNative();
  nativeActive = backend === "wasm-ort";
  if (tf.getBackend() !== tfName) await startBackend(backend, tfName);
  if (nativeActive) columnSumsExact ??= columnSumsMatchProduct();
  return backend;
}

/** Set tfjs's backend `tfName` for `backend`: its wasm files or native library, and the fused kernels. */
async function startBackend(backend: BackendName, tfName: string): Promise<void> {
  if (tfName === "wasm") setWasmPaths(wasmDir(), true);
  if (NATIVE[backend]) await loadNative(backend);
  let ok = false;
  try {
    ok = await tf.setBackend(tfName);
  } catch (e) {
    throw new BackendError(backend, `backend ${backend} failed to start: ${(e as Error).message}`);
  }
  if (!ok) throw new BackendError(backend, `backend ${backend} failed to start; use --backend wasm or cpu`);
  await tf.ready();
  if (tfName === "wasm") await useFusedKernels();
}

export { tf };
