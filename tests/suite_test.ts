import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { assert, assertEquals, assertNotEquals, assertRejects, assertStrictEquals, assertThrows } from "./testing.ts";
import { getTask, loadTask, TASKS } from "../tasks/mod.ts";
import { TaskSplits } from "../harness/suite.ts";
import { CONFIGS, getConfig } from "../harness/config.ts";
import { rng } from "../harness/core/rng.ts";
import { encode, inVocab, TOKENIZER_ID } from "../harness/text/tokenizer.ts";
import { checkTask, DEFAULT_STYLE, type TaskDef } from "../tasks/kit/task.ts";
import { loadTaskFile } from "../harness/grid/task_file.ts";
import { notPlainJson } from "../harness/core/json_object.ts";

const cfg = getConfig("default");

Deno.test("suite", async (t) => {
  await t.step("the suite has the five tasks, each with levels and a summary", () => {
    assertEquals([...TASKS.keys()], [
      "countdown",
      "knights_knaves",
      "linear_equation",
      "arithmetic_chain",
      "shortest_path",
    ]);
    for (const task of TASKS.values()) assert(task.summary.length > 10 && task.levels.length > 0, task.name);
    assertThrows(() => getTask("sudoku"), /unknown task "sudoku"; known tasks: countdown/);
  });

  for (const task of TASKS.values()) {
    await t.step(`${task.name}: splits are fixed, seeded and disjoint`, () => {
      const a = new TaskSplits(cfg.suite, task, task.levels);
      const b = new TaskSplits(cfg.suite, task, task.levels);
      const other = new TaskSplits({ ...cfg.suite, seed: cfg.suite.seed + 1 }, task, task.levels);
      assertEquals(a.test.length, 200);
      assertEquals(a.test.map((p) => p.prompt), b.test.map((p) => p.prompt));
      assertNotEquals(a.test.map((p) => p.prompt), other.test.map((p) => p.prompt));
      const test = new Set(a.test.map((p) => p.prompt));
      assert(test.size >= 196, `${task.name}: only ${test.size} distinct test problems of 200`);
      for (let i = 0; i < 2000; i++) assert(!test.has(a.train(i).prompt), `train ${i} is a test problem`);
      assertEquals(a.train(17).prompt, b.train(17).prompt);
      assertEquals(
        a.test[3],
        task.generate(rng(cfg.suite.seed, task.name, "test", 3, 0), 3, task.levels[3 % task.levels.length]),
      );
    });

    await t.step(`${task.name}: prompts and teacher traces fit the vocabulary and the context`, () => {
      const sp = new TaskSplits(cfg.suite, task, task.levels);
      for (let i = 0; i < 200; i++) {
        const p = sp.train(i);
        const tr = task.demonstrate(p, rng(0, "demo", i), { execError: 0.3, reflect: 1, verbosity: 1 });
        assert(inVocab(p.prompt) && inVocab(tr.words), `${task.name} ${i} leaves the vocabulary`);
        assert(tr.words.length <= task.maxResponseWords, `${task.name} ${i}: ${tr.words.length} words`);
        assert(encode(p.prompt).length + task.maxResponseWords + 3 <= cfg.model.context, `${task.name} ${i} overflows`);
        assertEquals(tr.roles.length, tr.words.length);
      }
    });
  }

  await t.step("unknown levels are refused", () => {
    assertThrows(() => new TaskSplits(cfg.suite, getTask("countdown"), [9]), /has no level 9/);
  });

  await t.step("the default teacher is right often, but not always, on every task", () => {
    for (const task of TASKS.values()) {
      const sp = new TaskSplits(cfg.suite, task, task.levels);
      let right = 0;
      for (let i = 0; i < 200; i++) {
        const p = sp.train(i);
        const tr = task.demonstrate(p, rng(1, "teacher", i), DEFAULT_STYLE);
        assertEquals(task.verify(p, tr.words.join(" ")).correct, tr.correct);
        right += tr.correct ? 1 : 0;
      }
      assert(right > 90 && right < 190, `${task.name}: teacher right on ${right}/200`);
    }
  });
});

Deno.test("the fixed suite cannot be changed in place (every later bench would read it); a task of one's own is a file", () => {
  const countdown = getTask("countdown"), tasks = TASKS as Map<string, TaskDef>;
  const fix = "; TASKS is the fixed suite of every bench: give a task of your own as a file (--tasks ./my_task.ts)";
  assertThrows(() => tasks.set("mine", countdown), TypeError, `Cannot set a key of a frozen Map${fix}`);
  assertThrows(() => tasks.set("countdown", { ...countdown, levels: [1] }), TypeError);
  assertThrows(() => tasks.delete("countdown"), TypeError, `Cannot delete a key of a frozen Map${fix}`);
  assertThrows(() => tasks.clear(), TypeError, `Cannot clear a frozen Map${fix}`);
  assertThrows(() => ((countdown as { verify: unknown }).verify = () => ({})), TypeError);
  assertThrows(() => (countdown.levels as number[]).push(3), TypeError);
  assertThrows(
    () => ((countdown.strategies as Record<string, number>)[Object.keys(countdown.strategies)[0]] = 9),
    TypeError,
  );
  assertEquals([TASKS.size, TASKS.get("countdown"), [...countdown.levels]], [5, countdown, [1, 2]]);
  assertEquals(new Map(TASKS).set("mine", countdown).size, 6); // a copy is one's own
});

Deno.test("notPlainJson finds the first value of a problem's data that JSON cannot hold, and its path", () => {
  const shared = { x: 1 }, cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  const cases: [unknown, string | null][] = [
    [{ a: [1, "b", null, true, { c: -0 }], d: { e: shared, f: shared } }, null],
    [{ hint: undefined, n: 2 }, null], // an optional field not set: JSON leaves the key out
    [Object.assign(Object.create(null), { a: 1 }), null],
    [{ a: [1, undefined] }, "data.a[1] is undefined"],
    // deno-lint-ignore no-sparse-arrays
    [{ a: [1, , 3] }, "data.a[1] is a hole (a list written with an empty place)"],
    [{ a: { b: NaN } }, "data.a.b is NaN"],
    [{ a: new Map() }, "data.a is a Map"],
    [{ f: () => 1 }, "data.f is a function"],
    [{ n: 1n }, "data.n is a bigint"],
    [cycle, "data.self is a cycle"],
  ];
  for (const [value, fault] of cases) assertEquals(notPlainJson(value, "data"), fault, JSON.stringify(fault));
});

Deno.test("loadTask", async (t) => {
  const fixture = relative(Deno.cwd(), fileURLToPath(new URL("./fixtures/outside_task.ts", import.meta.url)));

  await t.step("a name of the fixed suite", async () => {
    assertStrictEquals(await loadTask("countdown"), TASKS.get("countdown"));
    await assertRejects(() => loadTask("chess"), /unknown task "chess"; known tasks: countdown/);
  });

  await t.step("a file outside the harness, by relative path and by file URL, loads and makes splits", async () => {
    const task = await loadTask(fixture);
    assertEquals(task.name, "outside_sum");
    const byUrl = await loadTask(new URL("./fixtures/outside_task.ts", import.meta.url).href);
    assertStrictEquals(byUrl, task);
    const splits = new TaskSplits(getConfig("smoke").suite, task, [1]);
    const p = splits.train(0), trace = task.demonstrate(p, rng(1, "trace"), { ...DEFAULT_STYLE, execError: 0 });
    assert(inVocab(p.prompt) && inVocab(trace.words), p.prompt);
    // Its prompts need not begin with its name, which need not be a word of the vocabulary (TaskDef.name).
    assert(!inVocab(task.name) && !p.prompt.startsWith(task.name), p.prompt);
    assertEquals(task.verify(p, trace.words.join(" ")).correct, true);
  });

  await t.step(
    "a task file's functions are held to the contract on every call, with one line naming the file",
    async () => {
      const context = getConfig("smoke").model.context; // 128
      const plain = await loadTask(fixture), held = await loadTaskFile(fixture, context);
      const p = held.generate(rng(1, "p"), 0, 1), trace = held.demonstrate(p, rng(1, "t"), DEFAULT_STYLE);
      assertEquals(p, plain.generate(rng(1, "p"), 0, 1));
      assertEquals(trace, plain.demonstrate(p, rng(1, "t"), DEFAULT_STYLE));
      const response = trace.words.join(" ");
      assertEquals(held.verify(p, response), plain.verify(p, response));
      const dir = await Deno.makeTempDir();
      try {
        let files = 0;
        /** A copy of the fixture task with `field` replaced by the function `body`, in a file of its own. */
        const broken = async (field: string, body: string) => {
          const path = `${dir}/${field}_${++files}.ts`;
          await Deno.writeTextFile(
            path,
            `import base from ${JSON.stringify(new URL(fixture, `file://${Deno.cwd()}/`).href)};\n` +
              `export default { ...base, ${field}: ${body} };\n`,
          );
          return { path, task: await loadTaskFile(path, context) };
        };
        const contract = "; see tasks/kit/task.ts for the contract";
        const cases: [string, string, (task: TaskDef) => unknown, (path: string) => string][] = [
          [
            "verify",
            '() => { throw new Error("my verifier broke"); }',
            (k) => k.verify(p, "so 1 + 2"),
            (f) => `task file ${f}: verify on the response "so 1 + 2" threw (my verifier broke)${contract}`,
          ],
          [
            "verify",
            "(p, r) => ({ ...base.verify(p, r), reward: NaN })",
            (k) => k.verify(p, "x"),
            (f) => `task file ${f}: verify on the response "x" returned reward NaN, not a finite number${contract}`,
          ],
          [
            "verify",
            "(p, r) => ({ ...base.verify(p, r), steps: [{ start: 1, end: 9, key: 'k', ok: true }] })",
            (k) => k.verify(p, "a b c"),
            (f) =>
              `task file ${f}: verify on the response "a b c" returned the step {"start":1,"end":9,"key":"k","ok":true}, ` +
              `not { start, end, key, ok } within the 3 words${contract}`,
          ],
          [
            "demonstrate",
            "(...a) => ({ ...base.demonstrate(...a), roles: ['plan'] })",
            (k) => k.demonstrate(p, rng(1, "t"), DEFAULT_STYLE),
            (f) =>
              `task file ${f}: demonstrate on ${
                JSON.stringify(p.prompt)
              } returned ${trace.words.length} words but 1 roles${contract}`,
          ],
          // A problem of the wrong shape: the field at fault, and what it should be.
          [
            "generate",
            "(...a) => ({ ...base.generate(...a), task: 'other' })",
            (k) => k.generate(rng(1, "p"), 0, 1),
            (f) =>
              `task file ${f}: generate(rng, 0, 1) returned a problem whose task is "other", not "outside_sum", the ` +
              `task's name${contract}`,
          ],
          [
            "generate",
            "(...a) => { const { prompt: _, ...rest } = base.generate(...a); return rest; }",
            (k) => k.generate(rng(1, "p"), 0, 1),
            (f) =>
              `task file ${f}: generate(rng, 0, 1) returned a problem whose prompt is missing, not a string${contract}`,
          ],
          [
            "generate",
            "() => [1, 2]",
            (k) => k.generate(rng(1, "p"), 0, 1),
            (f) =>
              `task file ${f}: generate(rng, 0, 1) returned a list, not a problem { task, level, prompt, data }${contract}`,
          ],
          // Unchecked before: a problem labelled with another level than it was asked for, data that is not plain JSON.
          [
            "generate",
            "(rng, i, level) => ({ ...base.generate(rng, i, level), level: level + 1 })",
            (k) => k.generate(rng(1, "p"), 0, 1),
            (f) =>
              `task file ${f}: generate(rng, 0, 1) returned a problem whose level is 2, not 1, the level asked for${contract}`,
          ],
          [
            "generate",
            "(...a) => { const p = base.generate(...a); return { ...p, data: { ...p.data, seen: [1, new Set()] } }; }",
            (k) => k.generate(rng(1, "p"), 0, 1),
            (f) =>
              `task file ${f}: generate(rng, 0, 1) returned a problem whose data.seen[1] is a Set, not plain JSON ` +
              `(objects, lists, strings, finite numbers, booleans, null)${contract}`,
          ],
          // Words the tokenizer has not, or its special tokens: they failed deep in the grid, naming no file.
          [
            "generate",
            "(...a) => ({ ...base.generate(...a), prompt: 'numbers 3 plus 4' })",
            (k) => k.generate(rng(1, "p"), 0, 1),
            (f) =>
              `task file ${f}: generate(rng, 0, 1) returned the prompt "numbers 3 plus 4" with unknown token "plus" at ` +
              `word 2: the vocabulary (${TOKENIZER_ID}) has no such word, and it is fixed; use only its words, ` +
              `space-separated (deno task list prints them; numbers are 0..99)${contract}`,
          ],
          [
            "generate",
            "(...a) => ({ ...base.generate(...a), prompt: '3 <eos> 4' })",
            (k) => k.generate(rng(1, "p"), 0, 1),
            (f) =>
              `task file ${f}: generate(rng, 0, 1) returned the prompt "3 <eos> 4" with a special token (<pad>, <bos>, ` +
              `<sep>, <eos>)${contract}`,
          ],
          // Longer than the model's context: they failed as "sequence of 156 tokens exceeds the model context 128".
          [
            "generate",
            "(...a) => ({ ...base.generate(...a), prompt: Array(200).fill('3').join(' ') })",
            (k) => k.generate(rng(1, "p"), 0, 1),
            (f) =>
              `task file ${f}: generate(rng, 0, 1) returned the prompt "${"3 ".repeat(28)}3..." of 202 tokens (with ` +
              `<bos> and <sep>), which leaves no room for a response in the model's context of 128; shorten the task's ` +
              `prompts${contract}`,
          ],
          [
            "demonstrate",
            "(...a) => { const t = base.demonstrate(...a); const words = Array(150).fill(t.words[0]); " +
            "return { words, roles: words.map(() => 'exec') }; }",
            (k) => k.demonstrate(p, rng(1, "t"), DEFAULT_STYLE),
            (f) =>
              `task file ${f}: demonstrate on ${JSON.stringify(p.prompt)} returned a trace that makes a sequence of ` +
              `${
                150 + p.prompt.split(" ").length + 2
              } tokens with its prompt, longer than the model's context of 128; ` +
              `shorten the task's traces (and its maxResponseWords)${contract}`,
          ],
          [
            "demonstrate",
            "(...a) => { const t = base.demonstrate(...a); return { ...t, words: t.words.map(() => 'zebra') }; }",
            (k) => k.demonstrate(p, rng(1, "t"), DEFAULT_STYLE),
            (f) => `task file ${f}: demonstrate on ${JSON.stringify(p.prompt)} returned a trace "zebra zebra`,
          ],
        ];
        // A function that reads something besides its arguments: no run of it reproduces.
        const again = "answered differently when called again the same way; it must depend on its arguments alone " +
          "(its rng, where it has one), not unseeded random numbers, the clock or state kept between calls" + contract;
        cases.push(
          [
            "verify",
            "(() => { let n = 0; return (p, r) => ({ ...base.verify(p, r), reward: n++ % 2 }); })()",
            (k) => k.verify(p, "x"),
            (f) => `task file ${f}: verify on the response "x" ${again}`,
          ],
          [
            "generate",
            "(() => { let n = 0; return (rng, i, l) => { if (n++ % 2) rng.uint32(); return base.generate(rng, i, l); }; })()",
            (k) => k.generate(rng(1, "p"), 0, 1),
            (f) => `task file ${f}: generate(rng, 0, 1) ${again}`,
          ],
        );
        for (const [field, body, call, message] of cases) {
          const { path, task } = await broken(field, body);
          assertThrows(() => call(task), (e: Error) => e.message.startsWith(message(path)), message(path));
        }
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  );

  await t.step("a default export that breaks the contract is refused, naming every problem", () => {
    const contract = /; see tasks\/kit\/task\.ts for the contract$/;
    assertThrows(
      () => checkTask(undefined, "./t.ts"),
      /^TypeError: \.\/t\.ts: has no default export; write export default defineTask/,
    );
    assertThrows(() => checkTask(undefined, "./t.ts"), contract);
    assertThrows(() => checkTask(3, "./t.ts"), /\.\/t\.ts: the default export is a number, not a task definition/);
    assertThrows(() => checkTask(null, "./t.ts"), /the default export is null, not a task definition/);
    assertThrows(
      () => checkTask({ name: "x", summary: "s" }, "./t.ts"),
      /\.\/t\.ts: the default export is missing levels, strategies, maxResponseWords, generate, verify, demonstrate;/,
    );
    const task = getTask("countdown");
    assertThrows(
      () => checkTask({ ...task, name: "Sum-Pair", levels: [] }, "./t.ts"),
      /has name "Sum-Pair", which is not lower_snake_case; has no levels; see/,
    );
    assertThrows(() => checkTask({ ...task, verify: 1 }, "./t.ts"), /has a verify that is not a function/);
    // Shapes that ran before, and stored meaningless results ("12" words: every response cut at 0) or crashed a run.
    const wrong: [Record<string, unknown>, RegExp][] = [
      [{ maxResponseWords: "12" }, /has maxResponseWords "12", not a whole number ≥ 1; see/],
      [{ maxResponseWords: -5 }, /has maxResponseWords -5, not a whole number ≥ 1/],
      [{ maxResponseWords: NaN }, /has maxResponseWords NaN, not a whole number ≥ 1/],
      [{ levels: [NaN] }, /has levels that are not whole numbers ≥ 0/],
      [{ levels: ["a"] }, /has levels that are not whole numbers ≥ 0/],
      [{ strategies: {} }, /has strategies that are not \{ name: weight > 0, … \}/],
      [{ strategies: "x" }, /has strategies that are not/],
      [{ strategies: { a: 2, b: -1 } }, /has strategies that are not/],
      [{ summary: "" }, /has a summary that is not a sentence/],
      [{ summary: 5 }, /has a summary that is not a sentence/],
    ];
    for (const [change, message] of wrong) assertThrows(() => checkTask({ ...task, ...change }, "./t.ts"), message);
    assertStrictEquals(checkTask(task, "./t.ts"), task);
  });
});

Deno.test("CONFIGS cannot be changed in place (the report would not see the change); getConfig's copy can", () => {
  const before = JSON.stringify(CONFIGS);
  assertThrows(() => (CONFIGS.default.rl.steps = 10), TypeError);
  assertThrows(() => CONFIGS.quick.seeds.push(2), TypeError);
  assertThrows(() => (CONFIGS.smoke.sft.style.reflect = 1), TypeError);
  assertEquals(JSON.stringify(CONFIGS), before);
  const copy = getConfig("quick");
  copy.rl.steps = 10;
  copy.seeds.push(2);
  copy.sft.style.reflect = 1;
  assertEquals([CONFIGS.quick.rl.steps, CONFIGS.quick.seeds, CONFIGS.quick.sft.style.reflect], [60, [1], 0.5]);
  assert(!Object.isFrozen(DEFAULT_STYLE), "the tasks' default style is the configurations' copy, not frozen with them");
});

Deno.test("a task whose generate ignores its rng cannot fill disjoint splits, and is told why", () => {
  const countdown = getTask("countdown");
  const fixed = {
    ...countdown,
    name: "fixed",
    generate: (_: unknown, i: number, level: number) => ({
      ...countdown.generate(rng(0, "x"), i, level),
      task: "fixed",
    }),
  };
  assertThrows(
    () => new TaskSplits(getConfig("smoke").suite, fixed as TaskDef, [1]),
    (e: Error) =>
      e.message ===
        "task fixed: validation problem 0 collides with the held-out splits 1000 times; its generate gives " +
          "too few distinct prompts for testSize 200 (does it draw from its rng?)",
  );
});
