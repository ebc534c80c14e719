import { assertEquals } from "./testing.ts";
import { gitCommit } from "../harness/store/git_commit.ts";

const A = "a".repeat(40), B = "b".repeat(40);

Deno.test("gitCommit reads a checkout's commit from .git, in a linked worktree too", async (t) => {
  const tmp = await Deno.makeTempDir();
  let trees = 0;
  /** Write `files` (path → text) under a new folder; returns its URL. */
  const tree = async (files: Record<string, string>): Promise<URL> => {
    const root = `${tmp}/${trees++}`;
    for (const [path, text] of Object.entries(files)) {
      await Deno.mkdir(`${root}/${path}`.replace(/\/[^/]*$/, ""), { recursive: true });
      await Deno.writeTextFile(`${root}/${path}`, text);
    }
    return new URL(`file://${root}/`);
  };

  await t.step("a checkout: HEAD on a branch (loose or packed), or detached", async () => {
    const loose = await tree({ ".git/HEAD": "ref: refs/heads/main\n", ".git/refs/heads/main": `${A}\n` });
    assertEquals(await gitCommit(loose), A);
    const packed = await tree({ ".git/HEAD": "ref: refs/heads/main\n", ".git/packed-refs": `${B} refs/heads/main\n` });
    assertEquals(await gitCommit(packed), B);
    assertEquals(await gitCommit(await tree({ ".git/HEAD": `${A}\n` })), A);
  });

  await t.step("a linked worktree: HEAD in its own git folder, the branch in the shared one", async () => {
    for (const absolute of [true, false]) {
      const root = await tree({
        "main/.git/HEAD": "ref: refs/heads/main\n",
        "main/.git/refs/heads/main": `${A}\n`,
        "main/.git/refs/heads/exp": `${B}\n`,
        "main/.git/worktrees/w/HEAD": "ref: refs/heads/exp\n",
        "main/.git/worktrees/w/commondir": "../..\n",
        "w/README": "",
      });
      const gitdir = absolute ? new URL("main/.git/worktrees/w", root).pathname : "../main/.git/worktrees/w";
      await Deno.writeTextFile(new URL("w/.git", root), `gitdir: ${gitdir}\n`);
      assertEquals(await gitCommit(new URL("w/", root)), B);
      assertEquals(await gitCommit(new URL("main/", root)), A);
      await Deno.writeTextFile(new URL("main/.git/worktrees/w/HEAD", root), `${A}\n`); // detached
      assertEquals(await gitCommit(new URL("w/", root)), A);
    }
  });

  await t.step("outside git: null", async () => {
    assertEquals(await gitCommit(await tree({ "a.txt": "" })), null);
  });
  await Deno.remove(tmp, { recursive: true });
});
