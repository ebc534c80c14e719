/**
 * Atomic file writes: write a sibling temporary file, then rename it over the target, so a reader
 * never sees half a file and a crash never destroys the previous version.
 * @module
 */

/** Write bytes or text to `path` atomically (temp file + rename). */
export async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp-${Deno.pid}`;
  if (typeof data === "string") await Deno.writeTextFile(tmp, data);
  else await Deno.writeFile(tmp, data);
  await Deno.rename(tmp, path);
}

/** Hex SHA-256 of bytes. */
export async function sha256(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Whether `path` exists; an error other than its absence (a permission refused) is thrown. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** Remove `path` and what it holds, if it exists. */
export async function removeAll(path: string): Promise<void> {
  await Deno.remove(path, { recursive: true }).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
}

/**
 * Put the folder `next` in the place of `dest`: the old `dest` is renamed `<dest>.old`, `next` renamed
 * `dest`, then `<dest>.old` removed; a crash between the two renames leaves the old folder whole as
 * `<dest>.old`. Without `dest`, a `<dest>.old` is that crash's old folder, the one whole version, and
 * stays until `next` is in place.
 */
export async function replaceFolder(next: string, dest: string): Promise<void> {
  const old = `${dest}.old`;
  if (await Deno.stat(dest).catch(() => null)) {
    await removeAll(old);
    await Deno.rename(dest, old);
  }
  await Deno.rename(next, dest);
  await removeAll(old);
}
