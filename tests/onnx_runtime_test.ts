/**
 * ONNX Runtime's usage telemetry is off in credit-bench's processes: loaded either way credit-bench
 * loads it (the onnxruntime-node addon, the library opened for `wasm-ort`'s products), it leaves no
 * device id or event queue in the cache folder and no `mat-debug-<pid>.log` in the temp folder,
 * unless the user turned it on. Each load runs in a process of its own, with a fresh home, cache and
 * temp folder and a dead proxy (so the control runs, with the telemetry on, cannot upload anything).
 */
import { assertEquals } from "./testing.ts";
import { TELEMETRY_SWITCH } from "../harness/backend/onnx_runtime.ts";

const FIXTURE = new URL("./fixtures/load_onnx_runtime.ts", import.meta.url).pathname;
const DEAD_PROXY = "http://127.0.0.1:9";

/** Where Deno keeps its caches, so that a child with a fresh home finds the npm packages as this process does. */
async function denoDir(): Promise<string> {
  const { stdout } = await new Deno.Command(Deno.execPath(), { args: ["info", "--json"] }).output();
  return JSON.parse(new TextDecoder().decode(stdout)).denoDir;
}

/** The files under `dir`, relative to it, sorted. */
async function filesUnder(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const name = `${prefix}${e.name}`;
    if (e.isDirectory) out.push(...await filesUnder(`${dir}/${e.name}`, `${name}/`));
    else out.push(name);
  }
  return out.sort();
}

/**
 * Run the fixture (`how`: addon or products) with only `env` besides a fresh home, cache and temp folder;
 * returns its output and the files ONNX Runtime's telemetry left in the cache and temp folders.
 */
async function load(how: string, env: Record<string, string>): Promise<{ out: string; left: string[] }> {
  const root = await Deno.makeTempDir({ prefix: "onnx_runtime_test_" });
  try {
    const [home, cache, tmp] = ["home", "cache", "tmp"].map((d) => `${root}/${d}`);
    for (const d of [home, cache, tmp]) await Deno.mkdir(d);
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "--allow-ffi", `--allow-env=${TELEMETRY_SWITCH}`, FIXTURE, how],
      clearEnv: true,
      env: {
        HOME: home,
        XDG_CACHE_HOME: cache,
        TMPDIR: tmp,
        DENO_DIR: await denoDir(),
        NO_COLOR: "1",
        ...Object.fromEntries(["https_proxy", "all_proxy", "ALL_PROXY"].map((k) => [k, DEAD_PROXY])),
        ...env,
      },
      signal: AbortSignal.timeout(120_000),
    }).output();
    if (code !== 0) throw new Error(new TextDecoder().decode(stderr));
    const left = [
      ...(await filesUnder(cache)).filter((f) => f.startsWith("Microsoft/")),
      ...(await filesUnder(tmp)).map((f) => `tmp/${f}`),
    ];
    return { out: new TextDecoder().decode(stdout).trim(), left };
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("ONNX Runtime: its usage telemetry is off when credit-bench loads it, either way, unless the user sets ORT_DISABLE_TELEMETRY=0", async () => {
  const expected: Record<string, string> = { addon: "[3,4]", products: "[6]" };
  for (const how of ["addon", "products"]) {
    const off = await load(how, {});
    assertEquals(off, { out: expected[how], left: [] }, `${how}: the default`);
    // The control: with the user's own switch the telemetry runs, and the check above sees what it leaves.
    const on = await load(how, { [TELEMETRY_SWITCH]: "0" });
    assertEquals(on.out, expected[how], how);
    for (const f of ["Microsoft/DeveloperTools/.onnxruntime/deviceid", "tmp/.ses"]) {
      assertEquals(on.left.includes(f), true, `${how} with ${TELEMETRY_SWITCH}=0 left ${on.left.join(", ")}`);
    }
    assertEquals(on.left.some((f) => /^tmp\/mat-debug-\d+\.log$/.test(f)), true, `${how}: ${on.left}`);
  }
});
