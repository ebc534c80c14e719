/**
 * Matrix products in native code for the `wasm-ort` backend: ONNX Runtime's CPU `MatMul` (MLAS, with
 * the AVX2 / AVX-512 kernels of the machine) called synchronously through ONNX Runtime's C API, on
 * operands that stay where tfjs's wasm backend keeps them. The library is the one `onnxruntime-node`
 * ships (its rollout engine's), opened with `Deno.dlopen`; each product wraps the three heap ranges
 * as ONNX Runtime tensors (no copy) and runs a one-node session into the output's range.
 *
 * Measured on the 2-core AMD EPYC: a [1404, 128] × [128, 512] product in 0.8–0.9 ms (~200 GFLOP/s)
 * against XNNPACK's 4.7 ms in wasm; about 15 µs of fixed cost a call. The sessions run on one thread:
 * two gave the same weights after 20 SFT steps but took 1.8–1.9× as long a step (their pool's hand-offs
 * cost more than these products gain), and beside two wasm threads, 1.5–2×.
 * @module
 */
import onnxProto from "onnx-proto";
import { telemetryOff } from "./onnx_runtime.ts";

const { onnx } = onnxProto;

/**
 * Slots of the functions used in ONNX Runtime's `OrtApi` table (onnxruntime_c_api.h). The table only
 * ever grows at its end, so the slots of version 1's functions hold in every release.
 */
const SLOT = {
  GetErrorMessage: 2,
  CreateEnv: 3,
  CreateSessionFromArray: 8,
  Run: 9,
  CreateSessionOptions: 10,
  SetIntraOpNumThreads: 24,
  CreateTensorWithDataAsOrtValue: 49,
  CreateCpuMemoryInfo: 69,
  ReleaseStatus: 93,
  ReleaseValue: 96,
  ReleaseSessionOptions: 100,
} as const;

/** The API version asked for (ONNX Runtime 1.16; onnxruntime-node 1.30 serves 1 to 23). */
const API_VERSION = 16;
const ORT_LOGGING_LEVEL_ERROR = 3, ORT_DEVICE_ALLOCATOR = 0, ORT_MEM_TYPE_DEFAULT = 0;
const FLOAT = onnx.TensorProto.DataType.FLOAT;

const P = "pointer", B = "buffer";
const SIGNATURES = {
  GetErrorMessage: { parameters: [P], result: P },
  CreateEnv: { parameters: ["i32", B, B], result: P },
  CreateSessionFromArray: { parameters: [P, B, "usize", P, B], result: P },
  Run: { parameters: [P, P, B, B, "usize", B, "usize", B], result: P },
  CreateSessionOptions: { parameters: [B], result: P },
  SetIntraOpNumThreads: { parameters: [P, "i32"], result: P },
  CreateTensorWithDataAsOrtValue: { parameters: [P, P, "usize", B, "usize", "i32", B], result: P },
  CreateCpuMemoryInfo: { parameters: ["i32", "i32", B], result: P },
  ReleaseStatus: { parameters: [P], result: "void" },
  ReleaseValue: { parameters: [P], result: "void" },
  ReleaseSessionOptions: { parameters: [P], result: "void" },
} as const satisfies Record<keyof typeof SLOT, Deno.ForeignFunction>;

type Api = { [K in keyof typeof SIGNATURES]: Deno.UnsafeFnPointer<(typeof SIGNATURES)[K]> };

/** Where onnxruntime-node keeps ONNX Runtime's shared library for this platform. */
function libraryUrl(): URL {
  const os = { linux: "linux", darwin: "darwin", windows: "win32" }[Deno.build.os as string];
  const arch = { x86_64: "x64", aarch64: "arm64" }[Deno.build.arch];
  const file = { linux: "libonnxruntime.so.1", darwin: "libonnxruntime.1.dylib", win32: "onnxruntime.dll" }[os ?? ""];
  if (!os || !arch || !file) throw new Error(`onnxruntime-node has no library for ${Deno.build.os}/${Deno.build.arch}`);
  return new URL(`../../node_modules/onnxruntime-node/bin/napi-v6/${os}/${arch}/${file}`, import.meta.url);
}

/** A NUL-terminated UTF-8 string. */
const cString = (s: string) => new TextEncoder().encode(s + "\0");

/** A tensor in a heap: its byte offset and shape (float32, row-major). */
export interface HeapTensor {
  offset: number;
  shape: readonly number[];
}

/** Float32 matrix products by ONNX Runtime on tensors in a wasm heap; see the module doc. */
export class NativeProducts {
  readonly #api: Api;
  readonly #env: Deno.PointerValue;
  /** Sessions by transposes (index 2·transposeA + transposeB), made on first use. */
  readonly #sessions: Deno.PointerValue[] = [];
  readonly #memory: Deno.PointerValue;
  /** One out-parameter slot, reused by every call. */
  readonly #out = new BigUint64Array(1);
  readonly #outBytes = new Uint8Array(this.#out.buffer);
  /** Input and output names as C string arrays; the strings are kept alive with them. */
  readonly #names = [["a", "b"], ["c"]].map((names) => {
    const strings = names.map(cString);
    const pointers = strings.map((s) => BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(s))));
    return { strings, array: new BigUint64Array(pointers) };
  });

  /** Kept open for as long as the products are used. */
  readonly #library: Deno.DynamicLibrary<Record<string, Deno.ForeignFunction>>;

  private constructor(library: Deno.DynamicLibrary<Record<string, Deno.ForeignFunction>>, api: Api) {
    this.#library = library;
    this.#api = api;
    this.#call(api.CreateEnv.call(ORT_LOGGING_LEVEL_ERROR, cString("credit-bench"), this.#outBytes));
    this.#env = this.#pointer();
    this.#call(api.CreateCpuMemoryInfo.call(ORT_DEVICE_ALLOCATOR, ORT_MEM_TYPE_DEFAULT, this.#outBytes));
    this.#memory = this.#pointer();
  }

  /** The one-thread session of the product with these transposes. */
  #session(transposeA: boolean, transposeB: boolean): Deno.PointerValue {
    const key = 2 * +transposeA + +transposeB;
    if (!this.#sessions[key]) {
      this.#call(this.#api.CreateSessionOptions.call(this.#outBytes));
      const options = this.#pointer();
      try {
        this.#call(this.#api.SetIntraOpNumThreads.call(options, 1));
        const model = productModel(transposeA, transposeB);
        const bytes = BigInt(model.length);
        this.#call(this.#api.CreateSessionFromArray.call(this.#env, model, bytes, options, this.#outBytes));
        this.#sessions[key] = this.#pointer();
      } finally {
        this.#api.ReleaseSessionOptions.call(options);
      }
    }
    return this.#sessions[key];
  }

  /**
   * Open ONNX Runtime's library (its telemetry off first: `telemetryOff` in onnx_runtime.ts) and an
   * environment for the product sessions. Throws when the library cannot be opened:
   * `Deno.errors.NotCapable` without `--allow-ffi` (the whole permission: a path-limited one opens the
   * library but refuses pointers), an Error naming the platform when onnxruntime-node has no library for it.
   */
  static open(): NativeProducts {
    telemetryOff();
    const lib = Deno.dlopen(libraryUrl(), { OrtGetApiBase: { parameters: [], result: P } });
    const base = new Deno.UnsafePointerView(lib.symbols.OrtGetApiBase()!);
    const getApi = new Deno.UnsafeFnPointer(base.getPointer(0)!, { parameters: ["u32"], result: P } as const);
    const table = getApi.call(API_VERSION);
    if (!table) throw new Error(`ONNX Runtime does not serve C API version ${API_VERSION}`);
    const view = new Deno.UnsafePointerView(table);
    const api = Object.fromEntries(
      Object.entries(SIGNATURES).map(([name, sig]) => [
        name,
        new Deno.UnsafeFnPointer(view.getPointer(8 * SLOT[name as keyof typeof SLOT])!, sig),
      ]),
    ) as Api;
    return new NativeProducts(lib, api);
  }

  /**
   * `out = a @ b` for `a` [..., m, k] and `b` [..., k, n] with equal batch dims, all in `heap`; with
   * `transposeA` `a` is [..., k, m], with `transposeB` `b` is [..., n, k] (read as stored, not copied).
   */
  product(
    heap: Uint8Array,
    a: HeapTensor,
    b: HeapTensor,
    out: HeapTensor,
    transposeA = false,
    transposeB = false,
  ): void {
    const session = this.#session(transposeA, transposeB);
    const values = new BigUint64Array(3);
    try {
      [a, b, out].forEach((t, i) => values[i] = this.#tensor(heap, t));
      const [inputs, outputs] = this.#names;
      this.#call(
        this.#api.Run.call(session, null, inputs.array, values, 2n, outputs.array, 1n, values.subarray(2)),
      );
    } finally {
      for (const v of values) if (v) this.#api.ReleaseValue.call(Deno.UnsafePointer.create(v));
    }
  }

  /** `t` as an ONNX Runtime tensor over its bytes of `heap` (0n if it could not be made). */
  #tensor(heap: Uint8Array, t: HeapTensor): bigint {
    const bytes = 4 * t.shape.reduce((p, d) => p * d, 1);
    const data = Deno.UnsafePointer.offset(Deno.UnsafePointer.of(heap)!, t.offset);
    const shape = new BigInt64Array(t.shape.map(BigInt));
    this.#call(this.#api.CreateTensorWithDataAsOrtValue.call(
      this.#memory,
      data,
      BigInt(bytes),
      shape,
      BigInt(t.shape.length),
      FLOAT,
      this.#outBytes,
    ));
    return this.#out[0];
  }

  /** The pointer the last call wrote to the out slot. */
  #pointer(): Deno.PointerValue {
    return Deno.UnsafePointer.create(this.#out[0]);
  }

  /** Throw ONNX Runtime's message when a call returned a status (null means success). */
  #call(status: Deno.PointerValue): void {
    if (!status) return;
    const message = Deno.UnsafePointerView.getCString(this.#api.GetErrorMessage.call(status)!);
    this.#api.ReleaseStatus.call(status);
    throw new Error(`ONNX Runtime: ${message}`);
  }
}

/**
 * A graph of one product of float inputs `a`, `b` (any rank) into `c`: ONNX's `MatMul`, or with a
 * transposed operand ONNX Runtime's `FusedMatMul` (its `com.microsoft` domain), which hands the
 * transposes to MLAS's packing instead of copying the operand.
 */
function productModel(transposeA: boolean, transposeB: boolean): Uint8Array {
  const value = (name: string) => ({ name, type: { tensorType: { elemType: FLOAT } } });
  const { INT } = onnx.AttributeProto.AttributeType;
  const node = transposeA || transposeB
    ? {
      opType: "FusedMatMul",
      domain: "com.microsoft",
      input: ["a", "b"],
      output: ["c"],
      attribute: [{ name: "transA", type: INT, i: +transposeA }, { name: "transB", type: INT, i: +transposeB }],
    }
    : { opType: "MatMul", input: ["a", "b"], output: ["c"] };
  return onnx.ModelProto.encode(onnx.ModelProto.create({
    irVersion: 9,
    opsetImport: [{ domain: "", version: 20 }, { domain: "com.microsoft", version: 1 }],
    graph: {
      name: "product",
      node: [node],
      input: [value("a"), value("b")],
      output: [value("c")],
    },
  })).finish();
}
