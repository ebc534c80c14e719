/**
 * The git commit of the harness's checkout, which every manifest records.
 * @module
 */

/**
 * The git commit of the checkout at `root` (default: the harness's own), read from `.git` with no
 * subprocess; null outside git. In a linked worktree (`git worktree add`) `.git` is a file naming
 * the worktree's git folder, which holds HEAD, while branches live in the folder its `commondir` names.
 */
export async function gitCommit(root: URL = new URL("../../", import.meta.url)): Promise<string | null> {
  try {
    const dotGit = new URL(".git", root);
    let git = new URL(".git/", root), refs = git;
    if (!(await Deno.stat(dotGit)).isDirectory) {
      const linked = (await Deno.readTextFile(dotGit)).trim().replace(/^gitdir: /, "");
      git = new URL(linked.replace(/\/?$/, "/"), dotGit);
      const common = await Deno.readTextFile(new URL("commondir", git)).then((t) => t.trim(), () => ".");
      refs = new URL(common.replace(/\/?$/, "/"), git);
    }
    const head = (await Deno.readTextFile(new URL("HEAD", git))).trim();
    if (!head.startsWith("ref: ")) return head;
    const ref = head.slice(5);
    try {
      return (await Deno.readTextFile(new URL(ref, refs))).trim();
    } catch {
      const packed = await Deno.readTextFile(new URL("packed-refs", refs));
      return packed.split("\n").find((l) => l.endsWith(` ${ref}`))?.split(" ")[0] ?? null;
    }
  } catch {
    return null;
  }
}
