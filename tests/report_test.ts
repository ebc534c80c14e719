/**
 * The report layer on the fixture results tree (`tests/fixtures/results/`, written by
 * `tests/fixtures/make_results_fixture.ts`). The expected tables under
 * `tests/fixtures/report_expected/` are the report of that tree (tables and claims); Table 1 is also
 * checked against numbers worked out by hand here, the claims in tests/claims_test.ts.
 * @module
 */
import { assert, assertClose, assertEquals, assertMatch, assertNotEquals, assertRejects } from "./testing.ts";
import { loadResults, type SuiteResults } from "../harness/store/results.ts";
import { configOverrides } from "../harness/report/overrides.ts";
import { type BenchConfig, getConfig } from "../harness/config.ts";
import { ResultsError } from "../harness/store/results_error.ts";
import { FolderLockedError, lockFolder } from "../harness/core/folder_lock.ts";
import { STORE_VERSION } from "../harness/store/schema.ts";
import { fileSums, readManifest, runId, runsDir, writeManifest } from "../harness/store/run_folder.ts";
import { runHash } from "../harness/store/hashes.ts";
import { methodsOf, tasksOf } from "../harness/report/methods.ts";
import { table1 } from "../harness/report/table1.ts";
import { table2 } from "../harness/report/table2.ts";
import { table3 } from "../harness/report/table3.ts";
import { type ReportOptions, writeReport } from "../harness/report/mod.ts";
import { figuresOf } from "../harness/report/series.ts";
import { chromiumReady, renderInChromium } from "./chromium.ts";

const FIXTURE = new URL("./fixtures/results", import.meta.url).pathname;
const EXPECTED = new URL("./fixtures/report_expected", import.meta.url).pathname;
const COMMAND = "deno task report --suite fixture";

async function copyTree(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.isDirectory) await copyTree(`${from}/${e.name}`, `${to}/${e.name}`);
    else await Deno.copyFile(`${from}/${e.name}`, `${to}/${e.name}`);
  }
}

/** Run `f` on a fresh copy of the fixture tree, removed afterwards. */
async function inFixtureCopy(f: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "report_test_" });
  try {
    await copyTree(FIXTURE, dir);
    await f(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The folder of the fixture's run whose name starts with `prefix`. */
async function runDir(root: string, prefix: string): Promise<string> {
  for await (const e of Deno.readDir(runsDir(root, "fixture"))) {
    if (e.name.startsWith(prefix)) return `${runsDir(root, "fixture")}/${e.name}`;
  }
  throw new Error(`no run ${prefix}`);
}

/** Rewrite `name` in a run folder with `edit` applied, and its checksum in the manifest to match. */
async function editResealed(dir: string, name: string, edit: (text: string) => string): Promise<void> {
  await Deno.writeTextFile(`${dir}/${name}`, edit(await Deno.readTextFile(`${dir}/${name}`)));
  const m = (await readManifest(dir))!;
  m.files = { ...m.files, ...(await fileSums(dir, [name])) };
  await writeManifest(dir, m);
}

Deno.test("loadResults reads the fixture: base, four complete runs, one skipped with its reason", async () => {
  const r = await loadResults(FIXTURE, "fixture");
  assertEquals(r.base?.eval.step, 0);
  assertEquals(r.runs.map((x) => `${x.manifest.baseline}-s${x.manifest.seed}`), [
    "grpo-s1",
    "grpo-s2",
    "hicra-s1",
    "hicra-s2",
  ]);
  assertEquals(r.runs.map((x) => x.steps.length), [3, 3, 3, 3]);
  assertEquals(r.skipped.length, 1);
  assertMatch(r.skipped[0].dir, /entropy_reg-s1-/);
  assertEquals(r.skipped[0].reason, "status running");
});

Deno.test("a run folder's temporary name, left by a bench killed as it made the folder, is left out as not a run", async () => {
  await inFixtureCopy(async (dir) => {
    const grpo = await runDir(dir, "grpo-s1");
    await Deno.mkdir(`${grpo}.tmp-4404`);
    await Deno.copyFile(`${grpo}/manifest.json`, `${grpo}.tmp-4404/manifest.json`);
    const r = await loadResults(dir, "fixture");
    assertEquals(r.runs.length, 4);
    assertEquals(r.skipped.map((s) => [s.dir, s.reason]).slice(-1), [
      [`${grpo}.tmp-4404`, "not a run: a bench was killed as it made it (the next bench removes it)"],
    ]);
  });
});

Deno.test("Table 1 of the fixture: hand-computed means, sample std, bold, Δ row", async () => {
  const methods = methodsOf(await loadResults(FIXTURE, "fixture"));
  const t = table1(methods, tasksOf(methods));
  assertEquals(t.header, ["method", "countdown", "linear_equation", "mean over tasks"]);
  const show = t.groups.flat().map((r) => [r.label, ...r.cells.map((c) => (c.bold ? `*${c.text}*` : c.text))]);
  // countdown: grpo (0.50 + 0.54) / 2 = 52.0, std √((0.02² + 0.02²) / 1) = 2.8; hicra (0.56 + 0.60) / 2 = 58.0.
  // linear_equation: grpo (0.30 + 0.26) / 2 = 28.0 ties hicra's (0.28 + 0.28) / 2 = 28.0: both bold.
  // mean over tasks per seed: grpo 0.40, 0.40 → 40.0 ± 0.0; hicra 0.42, 0.44 → 43.0 ± 1.4; base (0.4 + 0.2) / 2.
  // IQM of two seeds is their mean; its bootstrap resamples {x, x}, {x, y}, {y, y} give x, the mean, y (¼, ½,
  // ¼ of 2,000 draws), so the 2.5% and 97.5% quantiles are the two seeds' values: countdown grpo [50, 54].
  assertEquals(show, [
    ["base", "40.0", "20.0", "30.0"],
    ["grpo", "52.0 ± 2.8", "*28.0 ± 2.8*", "40.0 ± 0.0"],
    ["hicra", "*58.0 ± 2.8*", "*28.0 ± 0.0*", "*43.0 ± 1.4*"],
    ["Δ(HICRA − GRPO)", "+6.0", "0.0", "+3.0"],
    ["grpo, IQM [95% CI]", "52.0 [50.0, 54.0]", "28.0 [26.0, 30.0]", "40.0 [40.0, 40.0]"],
    ["hicra, IQM [95% CI]", "58.0 [56.0, 60.0]", "28.0 [28.0, 28.0]", "43.0 [42.0, 44.0]"],
  ]);
  assertEquals(t.csv.rows[1].slice(0, 2), ["grpo", 2]);
  assertClose(t.csv.rows[1].slice(2, 4) as number[], [0.52, 0.02 * Math.SQRT2], 1e-12);
  assertClose(t.csv.rows[1].slice(4, 7) as number[], [0.52, 0.50, 0.54], 1e-12);
});

Deno.test("Table 2 of the fixture: mined-vs-oracle agreement as hand-computed means over steps", async () => {
  const methods = methodsOf(await loadResults(FIXTURE, "fixture"));
  const t = table2(methods);
  const col = (name: string) => t.header.indexOf(name) - 1;
  const show = (label: string, name: string) => t.groups.flat().find((r) => r.label === label)!.cells[col(name)].text;
  // Steps 0, 1, 2 of seed 1 mark 100, 110, 120 tokens both ways (seed 2: 6 more), of 150 mined and 250
  // oracle ones. grpo: means over steps 110 and 116, so precision 110/150 and 116/150, mean 75.3%, std
  // (6/150)/√2 = 2.8%; recall 113/250 = 45.2% ± (6/250)/√2 = 1.7%; F1 226/400 = 56.5% ± (12/400)/√2 = 2.1%.
  // The base model's row is every run's step 0 (100, 100, 106, 106): 103/150, 103/250, 206/400.
  assertEquals(
    ["mined precision (%)", "mined recall (%)", "mined F1 (%)"].map((c) => [show("base", c), show("grpo", c)]),
    [["68.7", "75.3 ± 2.8"], ["41.2", "45.2 ± 1.7"], ["51.5", "56.5 ± 2.1"]],
  );
});

Deno.test("Table 3 of the fixture: accuracy and share by length bin, pooled over tasks, means over seeds", async () => {
  const methods = methodsOf(await loadResults(FIXTURE, "fixture"));
  const t = table3(methods);
  assertEquals(t.header, ["method", "0–19", "20+"]);
  // Each task has 8 responses under 20 tokens, right p + 0.3 of the time, and 24 longer ones, right p − 0.1.
  // grpo seed 1 (p 0.50, 0.30): short (8·0.8 + 8·0.6) / 16 = 70%, a quarter of the responses; long
  // (24·0.4 + 24·0.2) / 48 = 30%; seed 2 (0.54, 0.26) the same. hicra: seed 1 72% / 32%, seed 2 74% / 34%.
  assertEquals(t.groups.flat().map((r) => [r.label, ...r.cells.map((c) => c.text)]), [
    ["base", "60.0 (25.0)", "20.0 (75.0)"],
    ["grpo", "70.0 (25.0)", "30.0 (75.0)"],
    ["hicra", "73.0 (25.0)", "33.0 (75.0)"],
  ]);
});

Deno.test("the report of the fixture: expected tables and claims, every figure, and the same bytes when regenerated", async () => {
  await inFixtureCopy(async (dir) => {
    const first = await writeReport({ inDir: dir, suite: "fixture", command: COMMAND });
    const out = `${dir}/fixture`;
    const names = first.files.map((f) => f.slice(out.length + 1));
    assertEquals(names.filter((n) => n.startsWith("figures/")).length, 15);
    assert(names.includes("figures/probability_of_improvement.svg"));
    assertEquals(names.at(-1), "index.html");
    assertEquals(first.skipped.length, 1);
    const expected = [
      ...["table1", "table2", "table3"].flatMap((t) => ["md", "tex", "csv"].map((x) => `${t}.${x}`)),
      ...["md", "tex", "json"].map((x) => `claims.${x}`),
    ];
    for (const name of expected) {
      assertEquals(await Deno.readTextFile(`${out}/${name}`), await Deno.readTextFile(`${EXPECTED}/${name}`), name);
    }
    const bytes = await Promise.all(first.files.map((f) => Deno.readFile(f)));
    const second = await writeReport({ inDir: dir, suite: "fixture", command: COMMAND });
    assertEquals(second.files, first.files);
    for (const [i, f] of second.files.entries()) assertEquals(await Deno.readFile(f), bytes[i], f);
    const html = await Deno.readTextFile(`${out}/index.html`);
    assert(html.includes(COMMAND));
    for (const r of (await loadResults(dir, "fixture")).runs) assert(html.includes(r.manifest.configHash));
    assert(!/https?:\/\/(?!www\.w3\.org)/.test(html), "index.html refers to no network resource");
  });
});

Deno.test("figures of runs longer than MAX_POINTS steps: each seed's means over bins of steps, then the mean over seeds", async () => {
  // The fixture's runs stretched to 1,201 steps: seed 1's reward is 1 at odd steps, seed 2's at even ones.
  const methods = methodsOf(await loadResults(FIXTURE, "fixture")).map((m) => ({
    ...m,
    runs: m.runs.map((run) => ({
      ...run,
      steps: Array.from({ length: 1201 }, (_, i) => ({
        ...run.steps[0],
        step: i + 1,
        reward: (i + (run.manifest.seed === 1 ? 1 : 0)) % 2,
      })),
    })),
  }));
  const figures = figuresOf(methods), reward = figures.find((f) => f.name === "train_reward")!;
  const grpo = reward.points.filter((p) => p.method === "grpo");
  assertEquals(grpo.length, 401);
  // Steps 1–3: seed 1 has 1, 0, 1 (mean 2/3), seed 2 has 0, 1, 0 (1/3); step 1201 alone: 1 and 0.
  assertEquals([grpo[0].step, grpo[0].seeds, grpo.at(-1)!.step], [2, 2, 1201]);
  assertClose([grpo[0].mean, grpo[1].mean, grpo.at(-1)!.mean], [0.5, 0.5, 0.5], 1e-12);
  assertClose([grpo[0].lo!, grpo[0].hi!], [1 / 3, 2 / 3], 1e-12);
  assertMatch(reward.subtitle!, /each seed's mean over bins of 3 consecutive steps/);
  // The evaluations, a handful of steps, are drawn step by step as before.
  const accuracy = figures.find((f) => f.name === "validation_accuracy")!;
  assertEquals(accuracy.subtitle, undefined);
  assertEquals(
    accuracy.points.filter((p) => p.method === "grpo").map((p) => p.step),
    [...new Set(methods.find((m) => m.name === "grpo")!.runs.flatMap((r) => [0, ...r.evals.map((e) => e.step)]))]
      .sort((a, b) => a - b),
  );
});

Deno.test("a figure left without data is removed, not kept from an earlier report", async () => {
  await inFixtureCopy(async (dir) => {
    await writeReport({ inDir: dir, suite: "fixture", command: COMMAND });
    for (const name of await Array.fromAsync(Deno.readDir(runsDir(dir, "fixture")))) {
      if (!name.name.startsWith("base-")) {
        await Deno.remove(`${runsDir(dir, "fixture")}/${name.name}`, { recursive: true });
      }
    }
    const again = await writeReport({ inDir: dir, suite: "fixture", command: COMMAND });
    const drawn = again.files.filter((f) => f.includes("/figures/")).map((f) => f.slice(f.lastIndexOf("/") + 1));
    const kept = (await Array.fromAsync(Deno.readDir(`${dir}/fixture/figures`))).map((e) => e.name);
    assert(drawn.length < 14, `${drawn.length} figures drawn from the base model alone`);
    assertEquals(kept.sort(), drawn.sort());
  });
});

Deno.test("a configuration other than the suite's is named setting by setting, a list of tasks by names", () => {
  const cfg = getConfig("smoke");
  const at = (config: BenchConfig) =>
    ({ runs: [{ manifest: { suite: "smoke", config } }], base: null }) as unknown as SuiteResults;
  assertEquals(configOverrides(at(cfg)), []);
  const tasks = cfg.suite.tasks.filter((t) => t.name === "countdown");
  assertEquals(
    configOverrides(at({ ...cfg, rl: { ...cfg.rl, steps: 7 }, suite: { ...cfg.suite, tasks } })),
    [
      `rl.steps=7 (suite default ${cfg.rl.steps})`,
      `suite.tasks=[countdown] (suite default [${cfg.suite.tasks.map((t) => t.name).join(", ")}])`,
    ],
  );
  const fixture = { runs: [{ manifest: { suite: "fixture", config: cfg } }], base: null } as unknown as SuiteResults;
  assertEquals(configOverrides(fixture), [], "a suite CONFIGS does not know has no defaults to differ from");
});

Deno.test("runs at parameters other than their baseline's defaults are named in claims.md and index.html", async () => {
  await inFixtureCopy(async (dir) => {
    const plain = await writeReport({ inDir: dir, suite: "fixture", command: COMMAND });
    for (const f of plain.files.filter((f) => /claims\.md|index\.html/.test(f))) {
      assert(!(await Deno.readTextFile(f)).includes("Settings other than"), f);
    }
    // hicra seed 2 made again at alpha 0.5: a valid run of its own hash and folder name.
    const old = await runDir(dir, "hicra-s2"), m = (await readManifest(old))!;
    const params = { ...m.params, alpha: 0.5 }, configHash = await runHash(m.gridHash, { ...m, params });
    const id = runId("hicra", 2, configHash);
    await Deno.rename(old, `${runsDir(dir, "fixture")}/${id}`);
    await writeManifest(`${runsDir(dir, "fixture")}/${id}`, { ...m, params, configHash, id });
    await writeReport({ inDir: dir, suite: "fixture", command: COMMAND });
    const sentence = "Settings other than the defaults: hicra alpha=0.5 (default 0.2) in seed 2.";
    assert((await Deno.readTextFile(`${dir}/fixture/claims.md`)).replaceAll("\n", " ").includes(sentence));
    assert((await Deno.readTextFile(`${dir}/fixture/index.html`)).includes(`<p>${sentence} The tables and claims`));
    // A method given by file: its defaults are those its manifest records (they were unknown: nothing was said).
    const mine = { ...m, baseline: "my_hicra", baselineSource: "./my_hicra.ts", params, paramDefaults: m.params };
    const mineHash = await runHash(m.gridHash, mine), mineId = runId("my_hicra", 2, mineHash);
    await Deno.rename(`${runsDir(dir, "fixture")}/${id}`, `${runsDir(dir, "fixture")}/${mineId}`);
    await writeManifest(`${runsDir(dir, "fixture")}/${mineId}`, { ...mine, configHash: mineHash, id: mineId });
    await writeReport({ inDir: dir, suite: "fixture", command: COMMAND });
    assert(
      (await Deno.readTextFile(`${dir}/fixture/claims.md`)).replaceAll("\n", " ").includes(
        "Settings other than the defaults: my_hicra alpha=0.5 (default 0.2) in every run.",
      ),
    );
  });
});

Deno.test("a blank results folder, or a suite that is not one folder's name, is refused before anything is read", async () => {
  await inFixtureCopy(async (dir) => {
    // A suite "" would read <dir>//runs, "../x" a folder outside the results, "/" the root's.
    const cases: [string, string, string][] = [
      ["", "fixture", "the results folder: is blank; give a folder, e.g. results"],
      [" ", "fixture", "the results folder: is blank; give a folder, e.g. results"],
      [dir, "", 'suite "": is not a folder name; give a suite, e.g. default'],
      [`${dir}/fixture`, "..", 'suite "..": is not a folder name; give a suite, e.g. default'],
      [dir, "../fixture", 'suite "../fixture": is not a folder name; give a suite, e.g. default'],
      [dir, "fixture/", 'suite "fixture/": is not a folder name; give a suite, e.g. default'],
      [
        `${dir}/notes.txt`,
        "fixture",
        `${dir}/notes.txt: is a file, not a results folder; give the folder that bench wrote (its --out)`,
      ],
    ];
    await Deno.writeTextFile(`${dir}/notes.txt`, "mine");
    for (const [inDir, suite, message] of cases) {
      await assertRejects(
        () => loadResults(inDir, suite),
        (e: Error) => e instanceof ResultsError && e.message === message,
      );
      await assertRejects(() => writeReport({ inDir, suite, command: COMMAND }), { message });
    }
    assertEquals((await loadResults(dir, "fixture")).runs.length > 0, true);
  });
});

Deno.test("a file of one's own in figures/, an SVG included, is refused, not deleted with the folder it would be swapped out with", async () => {
  await inFixtureCopy(async (dir) => {
    await writeReport({ inDir: dir, suite: "fixture", command: COMMAND });
    const figures = `${dir}/fixture/figures`;
    for (const own of ["notes.txt", "drafts", "my_plot.svg", "figures.svg"]) {
      const path = `${figures}/${own}`;
      if (own === "drafts") await Deno.mkdir(path);
      else await Deno.writeTextFile(path, "mine");
      await assertRejects(() => writeReport({ inDir: dir, suite: "fixture", command: COMMAND }), {
        message:
          `${path}${own === "drafts" ? "/" : ""}: is not a figure the report draws, and figures/ is replaced whole; ` +
          "move it out of the folder (or delete it, if an earlier version of the report drew it)",
      });
      assert(await Deno.stat(path), `${own} kept`);
      await Deno.remove(path);
    }
    await writeReport({ inDir: dir, suite: "fixture", command: COMMAND });
  });
});

Deno.test("a folder where the report writes a file, or a file where it writes figures/, is refused before anything moves", async () => {
  await inFixtureCopy(async (dir) => {
    await writeReport({ inDir: dir, suite: "fixture", command: COMMAND });
    const suite = `${dir}/fixture`, before = await Deno.readTextFile(`${suite}/claims.md`); // it names the command
    await Deno.remove(`${suite}/index.html`);
    await Deno.mkdir(`${suite}/index.html`);
    await assertRejects(() => writeReport({ inDir: dir, suite: "fixture", command: "another command" }), {
      message: `${suite}/index.html: is a folder where the report writes a file; move it away`,
    });
    assertEquals(await Deno.readTextFile(`${suite}/claims.md`), before, "no file of the new report moved in");
    await Deno.remove(`${suite}/index.html`);
    await Deno.remove(`${suite}/figures`, { recursive: true });
    await Deno.writeTextFile(`${suite}/figures`, "mine");
    await assertRejects(() => writeReport({ inDir: dir, suite: "fixture", command: COMMAND }), {
      message: `${suite}/figures: is a file where the report writes a folder; move it away`,
    });
    assertEquals(await Deno.readTextFile(`${suite}/figures`), "mine");
  });
});

Deno.test("a report stopped halfway leaves the old report whole, never a mix; a second report at once is refused", async () => {
  await inFixtureCopy(async (dir) => {
    // The old report leaves hicra seed 2 out, so that each of its files differs from the new one's.
    const hicra2 = await runDir(dir, "hicra-s2");
    await Deno.rename(hicra2, `${dir}/aside`);
    const old = await writeReport({ inDir: dir, suite: "fixture", command: COMMAND });
    const oldBytes = await Promise.all(old.files.map((f) => Deno.readFile(f)));
    await Deno.rename(`${dir}/aside`, hicra2);
    const { writeTextFile } = Deno;
    let writes = 0;
    Deno.writeTextFile = ((...args: Parameters<typeof writeTextFile>) => {
      if (++writes === 8) throw new Error("stopped at the 8th file"); // as a kill would, halfway through the figures
      return writeTextFile(...args);
    }) as typeof writeTextFile;
    await assertRejects(() => writeReport({ inDir: dir, suite: "fixture", command: COMMAND }), /8th file/)
      .finally(() => Deno.writeTextFile = writeTextFile);
    for (const [i, f] of old.files.entries()) assertEquals(await Deno.readFile(f), oldBytes[i], f);
    assertEquals((await Array.fromAsync(Deno.readDir(`${dir}/fixture`))).map((e) => e.name).sort(), [
      ".report.lock",
      ...["json", "md", "tex"].map((x) => `claims.${x}`),
      "figures",
      "index.html",
      "runs",
      ...["table1", "table2", "table3"].flatMap((t) => ["csv", "md", "tex"].map((x) => `${t}.${x}`)),
    ]);
    const held = await lockFolder(`${dir}/fixture`, "", { path: `${dir}/fixture/.report.lock` });
    await assertRejects(
      () => writeReport({ inDir: dir, suite: "fixture", command: COMMAND }),
      (e: Error) =>
        e instanceof FolderLockedError &&
        e.message === `another credit-bench process (pid ${Deno.pid}) is writing ${dir}/fixture; ` +
            "wait for it to finish (or stop it), or run the report again once it is done",
    ).finally(() => held.close());
    for (const [i, f] of old.files.entries()) assertEquals(await Deno.readFile(f), oldBytes[i], f);
    const fresh = await writeReport({ inDir: dir, suite: "fixture", command: COMMAND });
    assertEquals(fresh.files, old.files);
    for (const [i, f] of fresh.files.entries()) assertNotEquals(await Deno.readFile(f), oldBytes[i], f);
  });
});

Deno.test("a report killed (SIGKILL) while it moved the new one in, a mix and no figures/, is replaced whole by the next", async () => {
  await inFixtureCopy(async (dir) => {
    const out = `${dir}/fixture`;
    const first = await writeReport({ inDir: dir, suite: "fixture", command: COMMAND });
    const bytes = await Promise.all(first.files.map((f) => Deno.readFile(f)));
    // What a kill after the old figures/ were moved out leaves: a table of the other report, no figures/.
    await Deno.mkdir(`${out}/.report.next`);
    await Deno.rename(`${out}/figures`, `${out}/.report.next/figures.old`);
    await Deno.writeTextFile(`${out}/table1.md`, "| a table of the other report |\n");
    const again = await writeReport({ inDir: dir, suite: "fixture", command: COMMAND });
    assertEquals(again.files, first.files);
    for (const [i, f] of again.files.entries()) assertEquals(await Deno.readFile(f), bytes[i], f);
    assertEquals(await Deno.stat(`${out}/.report.next`).catch(() => null), null);
  });
});

Deno.test("the runs table lists each session of a resumed run, its commit beside its command, a repeated session once", async () => {
  await inFixtureCopy(async (dir) => {
    const run = await runDir(dir, "hicra-s1"), m = (await readManifest(run))!;
    const session = { versions: m.versions, endedAt: null, status: "running" as const };
    await writeManifest(run, {
      ...m,
      gitCommit: "c2",
      command: `${m.command} --resume`,
      earlier: [
        { ...session, gitCommit: "c1", command: m.command },
        { ...session, gitCommit: "c1", command: m.command },
        { ...session, gitCommit: "c1", command: `${m.command} --resume` },
      ],
    });
    await writeReport({ inDir: dir, suite: "fixture", command: COMMAND });
    const html = await Deno.readTextFile(`${dir}/fixture/index.html`);
    const row = html.split("\n").find((l) => l.includes(`<code>${m.id}</code>`))!;
    assert(
      row.endsWith(
        `<td><code>c1</code><br><code>c1</code><br><code>c2</code></td><td><code>${m.command}</code><br>` +
          `<code>${m.command} --resume</code><br><code>${m.command} --resume</code></td></tr>`,
      ),
      row,
    );
  });
});

Deno.test("writeReport from code without a command is one line, before anything is written", async () => {
  await inFixtureCopy(async (dir) => {
    const before = (await Array.fromAsync(Deno.readDir(`${dir}/fixture`))).map((e) => e.name).sort();
    await assertRejects(() => writeReport({ inDir: dir, suite: "fixture" } as ReportOptions), {
      message: "writeReport: command is missing; give a string",
    });
    assertEquals((await Array.fromAsync(Deno.readDir(`${dir}/fixture`))).map((e) => e.name).sort(), before);
  });
});

Deno.test("a results folder that cannot be written is refused with what to do, and nothing is written", async () => {
  await inFixtureCopy(async (dir) => {
    const suite = `${dir}/fixture`, before = (await Array.fromAsync(Deno.readDir(suite))).map((e) => e.name).sort();
    const { open } = Deno;
    Deno.open = (async (path: string | URL, options?: Deno.OpenOptions) => {
      if (options?.write && String(path).startsWith(suite)) {
        throw Object.assign(new Error(`Read-only file system (os error 30): open '${path}'`), { code: "EROFS" });
      }
      return await open(path, options);
    }) as typeof open;
    await assertRejects(() => writeReport({ inDir: dir, suite: "fixture", command: COMMAND }), {
      message: `${suite}: cannot be written (Read-only file system (os error 30): open '${suite}/.report.lock'), ` +
        `and the report is written there, beside runs/; make it writable, or copy ${dir} to a folder you can ` +
        "write and run the report with --in set to the copy",
    }).finally(() => Deno.open = open);
    assertEquals((await Array.fromAsync(Deno.readDir(suite))).map((e) => e.name).sort(), before);
    // A folder made read-only after an earlier report: its lock file opens, the staging folder cannot be made.
    await writeReport({ inDir: dir, suite: "fixture", command: COMMAND });
    const reported = (await Array.fromAsync(Deno.readDir(suite))).map((e) => e.name).sort();
    const { mkdir } = Deno;
    Deno.mkdir = (async (path: string | URL, options?: Deno.MkdirOptions) => {
      if (String(path).startsWith(suite)) {
        throw Object.assign(new Error(`Permission denied (os error 13): mkdir '${path}'`), { code: "EACCES" });
      }
      return await mkdir(path, options);
    }) as typeof mkdir;
    await assertRejects(() => writeReport({ inDir: dir, suite: "fixture", command: COMMAND }), {
      message:
        `${suite}: cannot be written (Permission denied (os error 13): mkdir '${suite}/.report.next/figures'), ` +
        `and the report is written there, beside runs/; make it writable, or copy ${dir} to a folder you can ` +
        "write and run the report with --in set to the copy",
    }).finally(() => Deno.mkdir = mkdir);
    assertEquals((await Array.fromAsync(Deno.readDir(suite))).map((e) => e.name).sort(), reported);
  });
});

Deno.test("claims on bad input: a NaN metric and a single seed each give a line, never a broken report", async () => {
  await inFixtureCopy(async (dir) => {
    // A NaN is stored as null: grpo seed 1's oracle execution perplexity at step 1.
    await editResealed(
      await runDir(dir, "grpo-s1"),
      "train.jsonl",
      (text) =>
        text.split("\n").filter((l) => l).map((line) => {
          const rec = JSON.parse(line);
          if (rec.step === 1) rec.masks.oracle.relPerplexity.execution = null;
          return JSON.stringify(rec) + "\n";
        }).join(""),
    );
    await writeReport({ inDir: dir, suite: "fixture", command: COMMAND });
    const md = await Deno.readTextFile(`${dir}/fixture/claims.md`);
    assertMatch(
      md,
      /## Left out\n\n- C2: grpo seed 1 left out: train\.jsonl step 1: masks\.oracle\.relPerplexity\.execution is\s+null\n/,
    );
    const json = JSON.parse(await Deno.readTextFile(`${dir}/fixture/claims.json`));
    assertEquals(json.claims.find((c: { id: string }) => c.id === "C2").test.n, 3);
    // One seed of each method: estimates without intervals, said so, and inconclusive.
    for (const prefix of ["grpo-s2", "hicra-s2"]) await Deno.remove(await runDir(dir, prefix), { recursive: true });
    await writeReport({ inDir: dir, suite: "fixture", command: COMMAND });
    const one = await Deno.readTextFile(`${dir}/fixture/claims.md`);
    assertMatch(
      one,
      /\| C1 mean over tasks +\| +hicra − grpo, final pass@1 \(points\) \| +2\.0 \(one seed: no interval\) \|/,
    );
    assert(!/\| \*\*(supported|refuted)\*\*/.test(one), "one seed decides nothing");
    assertMatch(
      await Deno.readTextFile(`${dir}/fixture/table1.md`),
      /\| grpo, IQM \[95% CI\] +\| +50\.0 \| +30\.0 \| +40\.0 \|/,
    );
  });
});

Deno.test("loadResults refuses corrupt, truncated, duplicated and foreign-version runs", async (t) => {
  const cases: [string, (root: string) => Promise<void>, RegExp][] = [
    [
      "a file whose checksum differs",
      async (root) => {
        const dir = await runDir(root, "grpo-s1");
        const text = await Deno.readTextFile(`${dir}/eval.jsonl`);
        await Deno.writeTextFile(`${dir}/eval.jsonl`, text.replace('"pass1":0.5', '"pass1":0.9'));
      },
      /grpo-s1-\w+\/eval\.jsonl: SHA-256 differs from manifest\.json .*; move the run aside with `mv \S+\/runs\/(grpo-s1-\w+) \S+\/fixture\/\1\.damaged`, then run the bench that made it again/,
    ],
    [
      "a missing file",
      async (root) => await Deno.remove(`${await runDir(root, "hicra-s2")}/train.jsonl`),
      /hicra-s2-\w+\/train\.jsonl: missing/,
    ],
    [
      "a truncated JSONL line",
      async (root) => {
        const dir = await runDir(root, "hicra-s1");
        await editResealed(dir, "train.jsonl", (s) => s.slice(0, s.indexOf("\n", s.indexOf("\n") + 1) + 40) + "\n");
      },
      /hicra-s1-\w+\/train\.jsonl: line 3: not valid JSON/,
    ],
    [
      "a duplicated baseline and seed",
      async (root) => {
        // A valid run of the same cell with other parameters, moved in beside the first.
        const dir = await runDir(root, "grpo-s2");
        const m = (await readManifest(dir))!;
        const params = { stdNormalize: false };
        const configHash = await runHash(m.gridHash, { ...m, params });
        const id = runId("grpo", 2, configHash);
        await copyTree(dir, `${runsDir(root, "fixture")}/${id}`);
        await writeManifest(`${runsDir(root, "fixture")}/${id}`, { ...m, params, configHash, id });
      },
      /grpo-s2-\w+: .*grpo-s2-\w+ is also a complete run of grpo seed 2/,
    ],
    [
      "a manifest that is not JSON",
      async (root) => await Deno.writeTextFile(`${await runDir(root, "hicra-s1")}/manifest.json`, '{"id": "hic'),
      /hicra-s1-\w+\/manifest\.json: is not valid JSON \(truncated or edited\); move the run aside with `mv \S+\/runs\/(hicra-s1-\w+) \S+\/fixture\/\1\.damaged`, then run the bench that made it again/,
    ],
    [
      "a manifest that is a folder",
      async (root) => {
        const dir = await runDir(root, "hicra-s1");
        await Deno.remove(`${dir}/manifest.json`);
        await Deno.mkdir(`${dir}/manifest.json`);
      },
      /hicra-s1-\w+\/manifest\.json: is a folder, not a run's manifest; move the run aside with `mv \S+\/runs\/(hicra-s1-\w+) \S+\/fixture\/\1\.damaged`, then run the bench that made it again/,
    ],
    ...["null", "[]", "{}", `{"storeVersion": ${STORE_VERSION}, "id": "x"}`].map((
      text,
    ): [string, (root: string) => Promise<void>, RegExp] => [
      `a manifest that is JSON but not a run's (${text})`,
      async (root) => await Deno.writeTextFile(`${await runDir(root, "hicra-s1")}/manifest.json`, text),
      /hicra-s1-\w+\/manifest\.json: is not a run's manifest \(edited or damaged\); move the run aside with `mv /,
    ]),
    [
      "a manifest whose earlier sessions are not a list (edited by hand)",
      async (root) => {
        const dir = await runDir(root, "hicra-s1");
        await writeManifest(dir, { ...(await readManifest(dir))!, earlier: {} as unknown as [] });
      },
      /hicra-s1-\w+\/manifest\.json: is not a run's manifest \(edited or damaged\); move the run aside with `mv /,
    ],
    [
      "a manifest whose config was edited",
      async (root) => {
        const dir = await runDir(root, "hicra-s1");
        const m = (await readManifest(dir))!;
        await writeManifest(dir, { ...m, config: { ...m.config, rl: { ...m.config.rl, lr: 1 } } });
      },
      /hicra-s1-\w+\/manifest\.json: does not match itself \(its config, backend, engine and tokenizer hash to grid \w{8}, not the recorded \w{8}\): it was edited/,
    ],
    [
      "a manifest whose parameters were edited",
      async (root) => {
        const dir = await runDir(root, "hicra-s2");
        const m = (await readManifest(dir))!;
        await writeManifest(dir, { ...m, params: { ...m.params, alpha: 0.5 } });
      },
      /hicra-s2-\w+\/manifest\.json: does not match itself \(its run hashes to \w{8}, not the recorded config hash/,
    ],
    [
      "another store version",
      async (root) => {
        const dir = await runDir(root, "base-s1");
        const m = (await readManifest(dir))!;
        await writeManifest(dir, { ...m, storeVersion: 99 });
      },
      new RegExp(`base-s1-\\w+/manifest\\.json: store version 99, this harness reads version ${STORE_VERSION}`),
    ],
  ];
  for (const [name, corrupt, message] of cases) {
    await t.step(name, async () => {
      await inFixtureCopy(async (root) => {
        await corrupt(root);
        await assertRejects(
          loadResults(root, "fixture"),
          (e: Error) => e instanceof ResultsError && message.test(e.message),
        );
      });
    });
  }
});

/** What a reader sees of index.html: headings, tables (each after its nearest heading), figures with their rendered size, and the page's DOM. */
interface Seen {
  headings: string[];
  tables: { after: string; rows: number; width: number; height: number }[];
  figures: { id: string; graphics: { tag: string; width: number; height: number; loaded: boolean }[] }[];
  dom: string;
}

/** The expression, evaluated in the loaded page, that gives {@link Seen}. */
const SEEN = `(() => {
  const box = (e) => e.getBoundingClientRect();
  return {
    headings: [...document.querySelectorAll("h2")].map((h) => h.textContent),
    tables: [...document.querySelectorAll("table")].map((t) => {
      let h = t.previousElementSibling;
      while (h && !/^H[23]$/.test(h.tagName)) h = h.previousElementSibling;
      return {
      after: h?.textContent ?? "",
      rows: t.rows.length,
      width: box(t).width,
      height: box(t).height,
      };
    }),
    figures: [...document.querySelectorAll("figure")].map((f) => ({
      id: f.id,
      graphics: [...f.querySelectorAll(":scope > svg, :scope > img")].map((g) => ({
        tag: g.tagName.toLowerCase(),
        width: box(g).width,
        height: box(g).height,
        loaded: g.tagName !== "IMG" || (g.complete && g.naturalWidth > 0),
      })),
    })),
    dom: document.documentElement.outerHTML,
  };
})()`;

Deno.test({
  name: "index.html renders in headless Chromium: every table and figure, no console error " +
    "(ignored without /usr/bin/chromium, --allow-run or --allow-net=127.0.0.1)",
  ignore: !chromiumReady(),
  fn: async () => {
    await inFixtureCopy(async (dir) => {
      const report = await writeReport({ inDir: dir, suite: "fixture", command: COMMAND });
      const { value: seen, errors } = await renderInChromium<Seen>(`file://${dir}/fixture/index.html`, SEEN);
      assertEquals(errors, [], "the page logs no error");
      // The three tables, each under its heading, the claims section's tables, then the runs table, all drawn.
      for (const n of [1, 2, 3]) {
        assert(seen.headings.some((h) => h.startsWith(`Table ${n}:`)), `no Table ${n} heading in ${seen.headings}`);
      }
      assert(seen.headings.includes("Claims"), `no Claims heading in ${seen.headings}`);
      assertEquals(seen.tables.map((t) => t.after.replace(/:.*/, "")), [
        "Table 1",
        "Table 2",
        "Table 3",
        "Claims",
        "Controls",
        "Per-seed differences",
        "Runs",
      ]);
      for (const t of seen.tables) assert(t.rows > 1 && t.width > 0 && t.height > 0, `${t.after}: not drawn`);
      // Every figure written to figures/ is on the page, loaded, with a non-zero rendered size.
      const written = report.files.filter((f) => f.includes("/figures/")).map((f) => f.replace(/^.*\/|\.svg$/g, ""));
      assertEquals(seen.figures.map((f) => f.id).sort(), written.sort());
      for (const f of seen.figures) {
        assertEquals(f.graphics.length, 1, `figure ${f.id} holds ${f.graphics.length} graphics`);
        const [g] = f.graphics;
        assert(g.loaded && g.width > 0 && g.height > 0, `figure ${f.id}: ${g.tag} ${g.width}×${g.height}`);
      }
      const dom = seen.dom;
      const count = (re: RegExp) => dom.match(re)?.length ?? 0;
      assertEquals(written.length, 15);
      assertEquals(count(/<svg\b/g), written.length);
      assertEquals(count(/<table\b/g), 7);
      // Table 1: a header row, four body rows and two IQM rows; Table 2: a header row, three methods and two IQM
      // rows; Table 3: a header row and three methods; the claims: a header row and nine claims (C1 on the mean
      // and each of two tasks, C2, C3, C4a, C4b, C5, C6); the controls: A/A and the positive control; the
      // per-seed differences: two seeds; the runs table: base and four runs.
      const tables = dom.split(/<table\b/).slice(1);
      assertEquals(tables.map((t) => t.match(/<tr\b/g)?.length ?? 0), [7, 6, 4, 10, 3, 3, 6]);
      assert(dom.includes("<b>58.0 ± 2.8</b>"));
      assert(dom.includes("deno task bench --suite fixture --baselines hicra,placebo_hicra --seeds 1,2"));
      assert(dom.includes("The A/A control: inconclusive, as it must be"));
      assert(dom.includes("deno task bench --suite fixture --baselines grpo,grpo_half_signal --seeds 1,2"));
      assert(dom.includes("Sensitivity: GRPO gains 10.0 points"));
      assert(count(/class="mark-line role-mark/g) >= written.length, "every figure draws its lines");
    });
  },
});

Deno.test({
  name: "the Chromium driver sees console errors, uncaught exceptions and failed loads (ignored as above)",
  ignore: !chromiumReady(),
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "chromium_driver_" });
    try {
      await Deno.writeTextFile(
        `${dir}/page.html`,
        '<!DOCTYPE html><html><body><img id="gone" src="missing.svg">' +
          '<script>console.error("broken", 42); console.log("fine"); null.x;</script></body></html>',
      );
      const { value, errors } = await renderInChromium<number>(
        `file://${dir}/page.html`,
        `document.getElementById("gone").naturalWidth`,
      );
      assertEquals(value, 0, "a missing image has no natural size");
      assertEquals(errors.length, 3, errors.join("\n"));
      assertMatch(errors.join("\n"), /console\.error: broken 42/);
      assertMatch(errors.join("\n"), /uncaught: TypeError/);
      assertMatch(errors.join("\n"), /missing\.svg/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("a figure not drawn is named on the page with why: the probability of improvement without grpo", async () => {
  await inFixtureCopy(async (dir) => {
    const full = await writeReport({ inDir: dir, suite: "fixture", command: COMMAND });
    assert(full.files.some((f) => f.endsWith("figures/probability_of_improvement.svg")));
    assert(!(await Deno.readTextFile(`${dir}/fixture/index.html`)).includes("Not drawn"));
    for (const seed of ["grpo-s1", "grpo-s2"]) await Deno.remove(await runDir(dir, seed), { recursive: true });
    const without = await writeReport({ inDir: dir, suite: "fixture", command: COMMAND });
    assert(!without.files.some((f) => f.endsWith("figures/probability_of_improvement.svg")));
    assert(
      (await Deno.readTextFile(`${dir}/fixture/index.html`)).includes(
        "<p>Not drawn:</p>\n<ul>\n<li>probability_of_improvement.svg: it compares each method with grpo, and these " +
          "runs have no grpo or no other method</li>",
      ),
    );
  });
});
