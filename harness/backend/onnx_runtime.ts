/**
 * ONNX Runtime (`onnxruntime-node`, a native addon), imported on first use so that runs that do not
 * need it need no `--allow-ffi`.
 * @module
 */
import type * as Ort from "onnxruntime-node";

/** The first line of an error's message. */
export function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split("\n")[0];
}

/** ONNX Runtime; throws one line saying what is missing (`what` names what needs it, e.g. "a sentence model"). */
export async function onnxRuntime(what: string): Promise<typeof Ort> {
  try {
    return await import("onnxruntime-node");
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable) {
      throw new Error(`${what} needs ONNX Runtime's native addon: run deno with --allow-ffi`);
    }
    throw new Error(
      `onnxruntime-node could not be loaded (${firstLine(e)}): run \`deno install\` (npm:onnxruntime-node@1.30.0 ` +
        "ships its native libraries for linux, macOS and Windows)",
    );
  }
}
