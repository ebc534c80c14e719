/**
 * The import graph of the library (`mod.ts`) and of the CLI (`harness/cli.ts`), read from
 * `deno info --json`: no cycle among local modules (static, dynamic and type-only imports alike), and
 * harness/'s stage folders import only from their own stage and the stages before it.
 * @module
 */
import { assert, assertEquals } from "./testing.ts";

const ROOT = new URL("../", import.meta.url);

/** The entry points whose graphs are checked. */
const ENTRIES = ["mod.ts", "harness/cli.ts"];

/** harness/'s stage folders in the order of the data flow: a stage imports only from itself and those before it. */
const STAGES = [
  "core",
  "text",
  "backend",
  "model",
  "rollout",
  "credit",
  "masks",
  "update",
  "metrics",
  "stats",
  "store",
  "loop",
  "grid",
  "report",
  "analyze",
];

/** Local imports: each module (a path relative to the project) and the local modules it imports. */
type Graph = Map<string, Set<string>>;

/** The dependency of `deno info --json` that a module's import resolves to, as code, as a type, or both. */
interface InfoDependency {
  code?: { specifier: string };
  type?: { specifier: string };
}

/** The local import graph of `entries`: every static, dynamic and type-only import between project files. */
async function localGraph(entries: readonly string[]): Promise<Graph> {
  const root = ROOT.href, graph: Graph = new Map();
  const local = (specifier?: string) => specifier?.startsWith(root) ? specifier.slice(root.length) : null;
  for (const entry of entries) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", entry],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert(out.success, `deno info ${entry} failed: ${new TextDecoder().decode(out.stderr)}`);
    const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
      modules: { specifier: string; dependencies?: InfoDependency[] }[];
    };
    for (const m of info.modules) {
      const from = local(m.specifier);
      if (!from) continue;
      const deps = graph.get(from) ?? new Set<string>();
      graph.set(from, deps);
      for (const d of m.dependencies ?? []) {
        for (const to of [local(d.code?.specifier), local(d.type?.specifier)]) if (to) deps.add(to);
      }
    }
  }
  return graph;
}

/** A cycle through every part of `graph` that has one, each as the modules along it, the first repeated at the end. */
function importCycles(graph: Graph): string[][] {
  const state = new Map<string, "open" | "done">(), path: string[] = [], cycles: string[][] = [];
  const visit = (m: string) => {
    state.set(m, "open");
    path.push(m);
    for (const d of [...(graph.get(m) ?? [])].sort()) {
      if (state.get(d) === "open") cycles.push([...path.slice(path.indexOf(d)), d]);
      else if (!state.has(d)) visit(d);
    }
    path.pop();
    state.set(m, "done");
  };
  for (const m of [...graph.keys()].sort()) if (!state.has(m)) visit(m);
  return cycles;
}

/** The stage folder of a module under harness/ (null for the files at its top, such as cli.ts and config.ts). */
function stageOf(path: string): string | null {
  const parts = path.split("/");
  return parts[0] === "harness" && parts.length > 2 ? parts[1] : null;
}

Deno.test("imports", async (t) => {
  const graph = await localGraph(ENTRIES);

  await t.step("the cycle finder finds cycles, self-imports included", () => {
    const g: Graph = new Map([["a", new Set(["b"])], ["b", new Set(["c"])], ["c", new Set(["a", "d"])], [
      "d",
      new Set(),
    ]]);
    assertEquals(importCycles(g), [["a", "b", "c", "a"]]);
    assertEquals(importCycles(new Map([["a", new Set(["a"])]])), [["a", "a"]]);
    assertEquals(importCycles(new Map([["a", new Set(["b"])], ["b", new Set()]])), []);
  });

  await t.step("the graphs of mod.ts and harness/cli.ts hold the harness, the tasks and the baselines", () => {
    for (const m of ["harness/cli.ts", "harness/loop/rl.ts", "tasks/kit/task.ts", "baselines/grpo.ts"]) {
      assert(graph.has(m), `${m} missing from the import graph`);
    }
  });

  await t.step("no import cycle among local modules", () => {
    const cycles = importCycles(graph);
    assertEquals(cycles, [], `import cycles:\n${cycles.map((c) => c.join(" -> ")).join("\n")}`);
  });

  await t.step("every folder of harness/ is a stage, and a stage never imports a later one", () => {
    const upward: string[] = [];
    for (const [from, deps] of graph) {
      const stage = stageOf(from);
      if (stage === null) continue;
      assert(STAGES.includes(stage), `harness/${stage}/ is not among the stages ${STAGES.join(", ")}`);
      for (const to of deps) {
        const other = stageOf(to);
        if (other !== null && STAGES.indexOf(other) > STAGES.indexOf(stage)) upward.push(`${from} -> ${to}`);
      }
    }
    assertEquals(upward, [], `imports of a later stage:\n${upward.join("\n")}`);
  });
});
