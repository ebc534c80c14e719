/**
 * A rollout engine by name (harness/rollout/engine.ts has the contract); the `onnx` one is imported
 * only when asked for, as it loads ONNX Runtime.
 * @module
 */
import type { Policy } from "../model/model.ts";
import type { EngineName, RolloutEngine } from "./engine.ts";
import { TfjsEngine } from "./tfjs_engine.ts";

/** An engine named `name` for `policy` (the ONNX one is loaded on demand). */
export async function createEngine(name: EngineName, policy: Policy): Promise<RolloutEngine> {
  if (name === "tfjs") return new TfjsEngine(policy);
  const { OnnxEngine } = await import("./onnx_engine.ts");
  return await OnnxEngine.create(policy);
}
