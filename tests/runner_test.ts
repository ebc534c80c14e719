import { assertEquals } from "./testing.ts";
import { planCells } from "../harness/grid/runner.ts";
import { getConfig } from "../harness/config.ts";
import { BASELINES } from "../baselines/mod.ts";

Deno.test("planning a grid into a results folder that does not exist yet plans every cell and writes nothing", async () => {
  const tmp = await Deno.makeTempDir();
  const cells = await planCells({
    cfg: getConfig("smoke"),
    baselines: [{ baseline: BASELINES.grpo, source: "grpo" }],
    seeds: [1, 2],
    overrides: {},
    backend: "wasm",
    engine: "onnx",
    cache: `${tmp}/cache`,
    out: `${tmp}/out`,
    resume: false,
    command: "test",
  }, "grid");
  assertEquals(cells.map((c) => [c.baseline.name, c.seed, c.resume]), [["grpo", 1, false], ["grpo", 2, false]]);
  assertEquals(await Array.fromAsync(Deno.readDir(tmp)), []);
  await Deno.remove(tmp, { recursive: true });
});
