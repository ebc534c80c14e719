/**
 * harness/core/progress.ts and the grid's progress in harness/grid/pool.ts: a progress bar never stops a
 * run, whatever counts it is given, and a child's notes reach the parent's stderr.
 */
import { assert, assertEquals, assertMatch, assertRejects } from "./testing.ts";
import { Progress } from "../harness/core/progress.ts";
import { runInChildren } from "../harness/grid/pool.ts";

Deno.test("a count past the total or below zero draws a full or empty bar and never throws", () => {
  const lines: string[] = [];
  // Without the terminal's line reset, if stderr is one.
  const bar = new Progress("grid", 6, (text) => lines.push(text.replace("\r\x1b[2K", "")));
  bar.update(8); // past the total: always written
  assertEquals(lines.length, 1);
  assertMatch(lines[0], /^grid \[#{24}\] 8\/6 /);
  bar.total = 0;
  bar.update(0);
  assertMatch(lines[1], /^grid \[#{24}\] 0\/0 /);
  bar.total = 4;
  bar.update(-3);
  assert(lines.length <= 3, "a count below the total is written at most once per interval");
});

Deno.test("a grid child that logs more steps than announced, and ends while it is polled, does not stop the grid", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Five lines where three steps were announced, then long enough for the parent to poll it twice.
    const code = `await Deno.writeTextFile(${JSON.stringify(`${dir}/train.jsonl`)}, "{}\\n".repeat(5));` +
      "await new Promise((r) => setTimeout(r, 2500));";
    const cell = { name: "grpo seed 1", dir, args: ["eval", code], input: "{}" };
    await runInChildren([cell, { ...cell, name: "grpo seed 2" }], 2, 3);
    assertEquals(await Deno.readTextFile(`${dir}/train.jsonl`), "{}\n".repeat(5));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a grid child's note: lines are shown by the parent as it ends, its other lines not", async () => {
  const dir = await Deno.makeTempDir();
  const lines: string[] = [], error = console.error;
  try {
    const note = "note: checkpoint x/checkpoint: weights.bin does not match its checksum (truncated or corrupt); …";
    const code = `console.error("a progress line"); console.error(${JSON.stringify(note)});`;
    console.error = (...a: unknown[]) => lines.push(a.join(" "));
    await runInChildren([{ name: "grpo seed 1", dir, args: ["eval", code], input: "{}" }], 1, 3);
    assertEquals(lines.filter((l) => !l.startsWith("grid (")), [note]);
    // A child that fails after a note: the note shown once, its error in the failure, not the note again.
    lines.length = 0;
    const failing = `${code} console.error("boom"); Deno.exit(3);`;
    await assertRejects(
      () => runInChildren([{ name: "grpo seed 1", dir, args: ["eval", failing], input: "{}" }], 1, 3),
      Error,
      "1 job(s) failed: grpo seed 1 (exit 3): a progress line | boom",
    );
    assertEquals(lines.filter((l) => !l.startsWith("grid (")), [note]);
  } finally {
    console.error = error;
    await Deno.remove(dir, { recursive: true });
  }
});
