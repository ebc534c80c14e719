/**
 * ONNX Runtime (`onnxruntime-node`, a native addon), imported on first use so that runs that do not
 * need it need no `--allow-ffi`.
 * @module
 */
import type * as Ort from "onnxruntime-node";
import { firstLine } from "../core/errors.ts";

/**
 * ONNX Runtime's own switch for its usage telemetry. onnxruntime-node 1.30's library, on Linux and macOS,
 * otherwise keeps a device id and a queue of events (sessions created, runs timed, the program's path)
 * under `~/.cache/Microsoft/DeveloperTools/.onnxruntime/` for upload to Microsoft, and leaves an empty
 * `mat-debug-<pid>.log` in the temp folder of every process that loads it.
 */
export const TELEMETRY_SWITCH = "ORT_DISABLE_TELEMETRY";

/**
 * Turn ONNX Runtime's usage telemetry off in this process and the processes it starts, unless the
 * user set {@link TELEMETRY_SWITCH} themselves (`ORT_DISABLE_TELEMETRY=0` keeps it on). ONNX Runtime
 * reads the switch once, when its library is loaded, so this runs before each load. Without
 * `--allow-env=ORT_DISABLE_TELEMETRY` it cannot, and does nothing.
 */
export function telemetryOff(): void {
  if (Deno.permissions.querySync({ name: "env", variable: TELEMETRY_SWITCH }).state !== "granted") return;
  if (Deno.env.get(TELEMETRY_SWITCH) === undefined) Deno.env.set(TELEMETRY_SWITCH, "1");
}

/**
 * ONNX Runtime, with its telemetry off ({@link telemetryOff}); throws one line saying what is missing
 * (`what` names what needs it, e.g. "a sentence model").
 */
export async function onnxRuntime(what: string): Promise<typeof Ort> {
  telemetryOff();
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
