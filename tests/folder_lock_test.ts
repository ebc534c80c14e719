import { assertEquals, assertRejects } from "./testing.ts";
import { FolderLockedError, lockFolder } from "../harness/core/folder_lock.ts";

/** A check that an error is the lock refusal naming process `pid`. */
const lockedBy = (pid: number) => (e: unknown) =>
  e instanceof FolderLockedError && e.message.includes(`(pid ${pid}) is writing`) && e.message.includes("--out");

Deno.test("folder lock", async (t) => {
  const dir = await Deno.makeTempDir();

  await t.step("a held lock is refused naming its process; closed, it is free", async () => {
    const held = await lockFolder(dir);
    await assertRejects(() => lockFolder(dir), lockedBy(Deno.pid));
    held.close();
    (await lockFolder(dir)).close();
  });

  await t.step("with waiting, a held lock is waited for, after a word naming its holder", async () => {
    const held = await lockFolder(dir);
    let told: (pid: number | null) => void = () => {};
    const toldOf = new Promise<number | null>((resolve) => (told = resolve));
    let got = false;
    const later = lockFolder(dir, undefined, { waiting: told }).then((lock) => (got = true, lock));
    assertEquals(await toldOf, Deno.pid);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assertEquals(got, false, "it waits while the lock is held");
    held.close();
    (await later).close();
  });

  await t.step("shared locks are held side by side, against an exclusive one; a lock file of its own", async () => {
    const [a, b] = [
      await lockFolder(dir, undefined, { shared: true }),
      await lockFolder(dir, undefined, { shared: true }),
    ];
    await assertRejects(() => lockFolder(dir), lockedBy(Deno.pid));
    const own = await lockFolder(dir, undefined, { path: `${dir}/.cell.lock` }); // another file: free
    await assertRejects(() => lockFolder(dir, undefined, { path: `${dir}/.cell.lock` }), lockedBy(Deno.pid));
    for (const l of [a, b, own]) l.close();
    const held = await lockFolder(dir);
    await assertRejects(() => lockFolder(dir, undefined, { shared: true }), lockedBy(Deno.pid));
    held.close();
  });

  await t.step("the lock of a killed process is free at once", async () => {
    const code = `import { lockFolder } from ${
      JSON.stringify(new URL("../harness/core/folder_lock.ts", import.meta.url).href)
    };
      await lockFolder(${JSON.stringify(dir)}); console.log("locked"); setInterval(() => {}, 1000);`;
    const holder = new Deno.Command(Deno.execPath(), { args: ["eval", code], stdout: "piped", stderr: "null" }).spawn();
    const reader = holder.stdout.pipeThrough(new TextDecoderStream()).getReader();
    assertEquals((await reader.read()).value?.trim(), "locked");
    await assertRejects(() => lockFolder(dir), lockedBy(holder.pid));
    holder.kill("SIGKILL");
    await holder.status;
    await reader.cancel(); // and so the pipe from stdout (locked by it until the pipe ends)
    (await lockFolder(dir)).close();
  });

  await t.step("a folder where the lock file goes is refused, naming it and the fix", async () => {
    await Deno.mkdir(`${dir}/sub/.lock`, { recursive: true });
    await assertRejects(
      () => lockFolder(`${dir}/sub`),
      Error,
      `${dir}/sub/.lock: is a folder where credit-bench keeps a lock file; move it away, then run the command again`,
    );
  });

  await t.step("a Deno without tryLock is told to update", async () => {
    const proto = Deno.FsFile.prototype as { tryLock?: unknown };
    const tryLock = proto.tryLock;
    proto.tryLock = undefined;
    try {
      await assertRejects(
        () => lockFolder(dir),
        /cannot lock a file without waiting; update it: npm install -g deno@2/,
      );
    } finally {
      proto.tryLock = tryLock;
    }
  });

  await Deno.remove(dir, { recursive: true });
});
