/**
 * The public API: the entry points `deno.json` exports (`mod.ts`, `./tasks`, `./metrics`), read with
 * `deno doc --json`. Every exported name has a JSDoc with an `@example` (the examples are type-checked
 * by `deno check --doc` in `deno task check`), `mod.ts` holds every name of the smaller entry points,
 * the harness's internals stay out, and the files written outside the tree import the package by name alone.
 * @module
 */
import { assert, assertEquals } from "./testing.ts";

const ROOT = new URL("../", import.meta.url);

/** The package's entry points, by sub-path, from deno.json. */
const EXPORTS: Record<string, string> = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT))).exports;

/** A symbol of `deno doc --json`, as far as these tests read it. */
interface DocSymbol {
  name: string;
  declarations: { jsDoc?: { doc?: string; tags?: { kind: string }[] } }[];
}

/** The symbols entry point `path` exports. */
async function exported(path: string): Promise<DocSymbol[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", path],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(out.success, `deno doc ${path} failed: ${new TextDecoder().decode(out.stderr)}`);
  const doc = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    nodes: Record<string, { symbols: DocSymbol[] }>;
  };
  return Object.values(doc.nodes).flatMap((n) => n.symbols);
}

Deno.test("public API", async (t) => {
  const entries = new Map<string, DocSymbol[]>();
  for (const [sub, path] of Object.entries(EXPORTS)) entries.set(sub, await exported(path));
  const main = new Set(entries.get(".")!.map((s) => s.name));

  await t.step("deno.json exports mod.ts, the task kit and the metrics", () => {
    assertEquals(EXPORTS, {
      ".": "./mod.ts",
      "./tasks": "./tasks/kit/mod.ts",
      "./metrics": "./harness/metrics/mod.ts",
    });
  });

  await t.step("every exported name has a JSDoc with an @example", () => {
    for (const [sub, symbols] of entries) {
      const bare = symbols.filter((s) =>
        !s.declarations.some((d) => d.jsDoc?.doc && d.jsDoc.tags?.some((tag) => tag.kind === "example"))
      );
      assertEquals(bare.map((s) => s.name), [], `${sub}: exports without a JSDoc @example`);
    }
  });

  await t.step("mod.ts exports every name of the smaller entry points", () => {
    for (const [sub, symbols] of entries) {
      assertEquals(symbols.map((s) => s.name).filter((n) => !main.has(n)), [], `${sub}: names mod.ts lacks`);
    }
  });

  await t.step("what a user needs is there; the harness's internals are not", () => {
    for (
      const name of [
        "defineTask",
        "defineBaseline",
        "grpoAdvantages",
        "groupAdvantages",
        "runBench",
        "loadResults",
        "writeReport",
        "getConfig",
        "CONFIGS",
        "passAtK",
        "seStrategic",
        "analyze",
      ]
    ) assert(main.has(name), `mod.ts lacks ${name}`);
    for (
      const name of [
        "runGrid",
        "runCell",
        "runRl",
        "Policy",
        "pgLoss",
        "checkBaseline",
        "baselineContext",
        "createRunFolder",
        "runInChildren",
        "STORE_VERSION",
      ]
    ) assert(!main.has(name), `mod.ts exports the internal ${name}`);
  });

  await t.step("the baselines and the task written outside the tree import the package by name alone", async () => {
    // By name, not by path: copied out of the repository as they are, they still load (the bench maps the name).
    assertEquals(import.meta.resolve("@credit-bench/credit-bench"), new URL("mod.ts", ROOT).href);
    for (const name of ["outside_baseline.ts", "outside_loss_baseline.ts", "outside_task.ts"]) {
      const file = new URL(`tests/fixtures/${name}`, ROOT);
      const specifiers = [...(await Deno.readTextFile(file)).matchAll(/^import\b[^;]*?from\s+"([^"]+)"/gms)]
        .map((m) => m[1]);
      assertEquals(specifiers, ["@credit-bench/credit-bench"], name);
    }
  });
});
