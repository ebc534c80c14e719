/** bench/machine.ts: the CPU model and vector extensions `deno task perf` names in its table header. */
import { assertEquals } from "./testing.ts";
import { cpuOf } from "../bench/machine.ts";

Deno.test("cpuOf reads lscpu's model name and keeps only the vector extensions among its flags", () => {
  const intel = [
    "Architecture:                            x86_64",
    "Model name:                              Intel(R) Xeon(R) Platinum 8581C CPU @ 2.10GHz",
    "Flags:                                   fpu sse sse2 ssse3 fma sse4_1 sse4_2 avx f16c avx2 avx512f avx512_fp16 " +
    "avx512_bf16 amx_tile amx_bf16 ht",
  ].join("\n");
  assertEquals(cpuOf(intel), {
    model: "Intel(R) Xeon(R) Platinum 8581C CPU @ 2.10GHz",
    vectors: ["fma", "sse4_2", "avx", "f16c", "avx2", "avx512f", "avx512_fp16", "avx512_bf16", "amx_tile", "amx_bf16"],
  });
  const arm = "Model name:           Neoverse-V2\nFlags:                fp asimd evtstrm sve sve2 bf16 i8mm cpuid";
  assertEquals(cpuOf(arm), { model: "Neoverse-V2", vectors: ["asimd", "sve", "sve2", "bf16", "i8mm"] });
  assertEquals(cpuOf(""), { model: "unknown CPU", vectors: [] });
});
