import { assertEquals, assertNotEquals, assertRejects } from "./testing.ts";
import type { WasmBackendName } from "../harness/backend/backend.ts";
import { useWasm } from "../harness/backend/wasm_threads.ts";

/** Run tests/fixtures/train_on_threads.ts on `threads` wasm threads in its own process (it must exit by itself). */
async function trainOn(
  threads: number,
  backend: WasmBackendName,
  allow = { write: true, ffi: true },
): Promise<{ threads: number; fused: boolean; sha256: string; chains: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      ...(allow.write ? ["--allow-write"] : []),
      ...(allow.ffi ? ["--allow-ffi"] : []),
      "--allow-env=NO_COLOR,FORCE_COLOR,CLICOLOR_FORCE",
      new URL("./fixtures/train_on_threads.ts", import.meta.url).pathname,
      String(threads),
      backend,
    ],
    signal: AbortSignal.timeout(120_000),
  }).output();
  const err = new TextDecoder().decode(stderr);
  if (code !== 0) throw new Error(err);
  return JSON.parse(new TextDecoder().decode(stdout));
}

Deno.test("wasm threads: 2 threads start under Deno and train to the same bytes as 1, on either wasm backend, with or without the fused kernels", async () => {
  const weights: Record<string, string> = {};
  for (const backend of ["wasm-ort", "wasm"] as const) {
    const [one, two] = [await trainOn(1, backend), await trainOn(2, backend)];
    assertEquals([one.threads, two.threads, one.fused, two.fused], [1, 2, true, true]);
    assertEquals(two.sha256, one.sha256, backend);
    // The fused kernels (in the threaded build, on shared memory) change no byte.
    assertEquals([one.chains, two.chains], [one.sha256, one.sha256], `${backend}: the tfjs chains`);
    weights[backend] = one.sha256;
  }
  // wasm-ort's products are ONNX Runtime's, not XNNPACK's: they round differently.
  assertNotEquals(weights["wasm-ort"], weights.wasm, "the two wasm backends' weights differ in their last bits");
});

Deno.test("wasm-ort without the FFI permission is refused with what to run instead", async () => {
  await assertRejects(
    () => trainOn(1, "wasm-ort", { write: true, ffi: false }),
    /backend wasm-ort runs its matrix products through ONNX Runtime's C API, whose pointers Deno allows only with the whole FFI permission: run deno with --allow-ffi, or use --backend wasm/,
  );
  assertEquals((await trainOn(1, "wasm", { write: true, ffi: false })).threads, 1, "wasm needs no FFI");
});

Deno.test("wasm threads: a count out of range, a second count in one process or no temporary file is refused", async () => {
  await assertRejects(() => useWasm(0), /--threads must be an integer from 1 to 8, got 0/);
  await assertRejects(() => useWasm(9), /--threads must be an integer from 1 to 8, got 9/);
  await useWasm(1);
  await assertRejects(() => useWasm(2), /wasm already runs on 1 thread\(s\); start a new process/);
  await assertRejects(
    () => trainOn(2, "wasm", { write: false, ffi: true }),
    /wasm threads need a temporary file for their worker script \(.*\); allow writing to the temporary folder \(--allow-write\) or run with --threads 1/,
  );
});
