import { assert, assertEquals, assertNotEquals, assertThrows } from "./testing.ts";
import { getTask, TASKS } from "../tasks/mod.ts";
import { TaskSplits } from "../harness/suite.ts";
import { getConfig } from "../harness/config.ts";
import { rng } from "../harness/core/rng.ts";
import { encode, inVocab } from "../harness/text/tokenizer.ts";
import { DEFAULT_STYLE } from "../tasks/kit/task.ts";

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
