/**
 * Atomic writes (harness/core/atomic.ts): a folder replaced whole keeps one whole version through a
 * crash at any point, a crash of an earlier replacement included.
 * @module
 */
import { assertEquals, assertRejects } from "./testing.ts";
import { replaceFolder } from "../harness/core/atomic.ts";

/** The text of `<dir>/state.json`, or null when there is none. */
const state = (dir: string) => Deno.readTextFile(`${dir}/state.json`).catch(() => null);

/** Folder `dir` made afresh, holding `state.json` with `text`. */
async function folder(dir: string, text: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(`${dir}/state.json`, text);
}

Deno.test("replaceFolder puts the new folder in place and removes the old one", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    await folder(`${tmp}/checkpoint`, "step 2");
    await folder(`${tmp}/checkpoint.old`, "step 1 (left by a kill after the new one was in)");
    await folder(`${tmp}/checkpoint.next`, "step 3");
    await replaceFolder(`${tmp}/checkpoint.next`, `${tmp}/checkpoint`);
    assertEquals((await Array.fromAsync(Deno.readDir(tmp))).map((e) => e.name), ["checkpoint"]);
    assertEquals(await state(`${tmp}/checkpoint`), "step 3");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("a replacement killed between its renames, then again before its new folder is in, keeps the old whole", async () => {
  const tmp = await Deno.makeTempDir();
  const { rename } = Deno;
  try {
    // The first kill: checkpoint/ renamed checkpoint.old/, checkpoint.next/ not yet in; a resume goes on from .old.
    await folder(`${tmp}/checkpoint.old`, "step 1");
    await folder(`${tmp}/checkpoint.next`, "step 2");
    Deno.rename = (async (from: string | URL, to: string | URL) => {
      if (String(from).endsWith("checkpoint.next")) throw new Error("killed"); // as a kill before the rename
      return await rename(from, to);
    }) as typeof rename;
    await assertRejects(() => replaceFolder(`${tmp}/checkpoint.next`, `${tmp}/checkpoint`), /killed/);
    Deno.rename = rename;
    assertEquals(await state(`${tmp}/checkpoint.old`), "step 1");
    await replaceFolder(`${tmp}/checkpoint.next`, `${tmp}/checkpoint`);
    assertEquals(await state(`${tmp}/checkpoint`), "step 2");
    assertEquals(await state(`${tmp}/checkpoint.old`), null);
  } finally {
    Deno.rename = rename;
    await Deno.remove(tmp, { recursive: true });
  }
});
