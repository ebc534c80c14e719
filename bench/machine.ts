/**
 * The CPU a speed figure was measured on, as `deno task perf` names it in its table header: its model and
 * vector extensions as `lscpu` prints them (Deno reads `/proc/cpuinfo` only with every permission). The
 * CPU matters: the same code ran the reference train step in 64 ms on an
 * AMD EPYC and in 128 ms on an Intel Xeon (issue 21).
 * @module
 */

/** The CPU: its model name and the vector extensions it has, as `lscpu` lists them. */
export interface Cpu {
  model: string;
  /** SIMD extensions (x86: SSE4.2, AVX, AVX2, FMA, F16C, every AVX-512 and AMX flag; ARM: ASIMD, SVE…). */
  vectors: string[];
}

/** x86 flags and ARM features that name vector units or their number formats. */
const VECTOR = /^(sse4_2|avx\w*|fma|f16c|amx\w*|asimd\w*|sve\w*|fphp|bf16|i8mm)$/;

/**
 * The CPU described by `lscpu`'s output (its `Model name:` and `Flags:` lines).
 * @example cpuOf("Model name:   AMD EPYC\nFlags:   fpu avx2 avx512f\n") // { model: "AMD EPYC", vectors: ["avx2", "avx512f"] }
 */
export function cpuOf(lscpu: string): Cpu {
  const field = (name: string) =>
    lscpu.split("\n").find((l) => l.startsWith(`${name}:`))?.slice(name.length + 1).trim();
  const vectors = (field("Flags") ?? "").split(/\s+/).filter((f) => VECTOR.test(f));
  return { model: field("Model name") ?? "unknown CPU", vectors };
}

/** This machine's CPU, from `/usr/bin/lscpu` (an unknown one where it cannot run: not Linux, or no util-linux). */
export async function thisCpu(): Promise<Cpu> {
  const run = await new Deno.Command("/usr/bin/lscpu", { stdout: "piped", stderr: "null", env: { LC_ALL: "C" } })
    .output().catch(() => null);
  return cpuOf(run?.success ? new TextDecoder().decode(run.stdout) : "");
}
