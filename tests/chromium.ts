/**
 * Headless Chromium (Debian's `chromium` package) driven over the DevTools protocol with Deno's own
 * WebSocket, no driver package: open a page, wait for its load event, evaluate an expression in it,
 * and collect what a reader's console would show as errors (console.error and failed assertions,
 * uncaught exceptions, resources that failed to load). Behind one module, so that a driver package
 * can replace it in one place.
 * @module
 */

/** Where Debian installs Chromium. */
const CHROMIUM = "/usr/bin/chromium";

/** Flags that work in a container: no sandbox, no GPU, no network of its own, a fresh profile. */
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--remote-debugging-address=127.0.0.1",
  "--remote-debugging-port=0",
];

/**
 * Whether Chromium is installed and this process may run it and reach its DevTools endpoint
 * (`--allow-run`, `--allow-net=127.0.0.1`).
 */
export function chromiumReady(): boolean {
  try {
    return Deno.statSync(CHROMIUM).isFile &&
      Deno.permissions.querySync({ name: "run", command: CHROMIUM }).state === "granted" &&
      Deno.permissions.querySync({ name: "net", host: "127.0.0.1" }).state === "granted";
  } catch {
    return false;
  }
}

/** What a page showed: the value of the expression evaluated in it, and its console errors. */
export interface Rendered<T> {
  value: T;
  /** Console errors, uncaught exceptions and failed loads, each as one line. */
  errors: string[];
}

/** A DevTools protocol message: a reply (with `id`) or an event (with `method`). */
interface Message {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
  sessionId?: string;
}

/** The `ws://` endpoint Chromium prints on stderr once it listens; the rest of stderr is drained. */
async function devtoolsEndpoint(stderr: ReadableStream<Uint8Array>): Promise<string> {
  const lines = stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (true) {
    const { value, done } = await lines.read();
    if (done) throw new Error(`chromium exited before listening:\n${seen}`);
    seen += value;
    const url = seen.match(/DevTools listening on (ws:\/\/\S+)/)?.[1];
    if (url) {
      (async () => {
        while (!(await lines.read()).done) { /* drain */ }
      })();
      return url;
    }
  }
}

/** One line for a console argument: its value, else its description. */
function argText(arg: unknown): string {
  const a = arg as { value?: unknown; description?: string; type?: string };
  return a.value !== undefined ? String(a.value) : a.description ?? a.type ?? "?";
}

/**
 * Remove a Chromium profile folder. Chromium's helper processes outlive its main one by a moment and
 * still write there (a first removal fails with ENOTEMPTY), so this tries again for up to 5 s.
 */
async function removeProfile(profile: string): Promise<void> {
  for (let tries = 0;; tries++) {
    try {
      return await Deno.remove(profile, { recursive: true });
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return;
      if (tries === 50) throw new Error(`cannot remove chromium's profile ${profile}: ${e}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * Open `url` in a fresh headless Chromium, wait for its load event, then evaluate `expression` in it
 * (awaited, returned by value). Throws when Chromium does not start, the page does not load within
 * `timeoutMs`, or the expression throws.
 */
export async function renderInChromium<T>(url: string, expression: string, timeoutMs = 60_000): Promise<Rendered<T>> {
  const profile = await Deno.makeTempDir({ prefix: "chromium_profile_" });
  const child = new Deno.Command(CHROMIUM, {
    args: [...FLAGS, `--user-data-dir=${profile}`, "about:blank"],
    env: { TMPDIR: profile }, // its own temp folders (org.chromium.Chromium.*) go with the profile
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  let ws: WebSocket | undefined;
  try {
    const socket = ws = new WebSocket(await devtoolsEndpoint(child.stderr));
    const errors: string[] = [];
    const pending = new Map<number, { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void }>();
    let loaded = () => {}, lost = (_: Error) => {};
    const load = new Promise<void>((resolve, reject) => [loaded, lost] = [resolve, reject]);
    load.catch(() => {}); // awaited below; a loss before then must not count as unhandled
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = () => reject(new Error("cannot connect to chromium's DevTools endpoint"));
    });
    socket.onclose = () => {
      const e = new Error(`chromium closed its DevTools connection (killed after ${timeoutMs} ms?)`);
      for (const p of pending.values()) p.reject(e);
      lost(e);
    };
    socket.onmessage = (e) => {
      const msg = JSON.parse(e.data) as Message;
      if (msg.id !== undefined) {
        const p = pending.get(msg.id)!;
        pending.delete(msg.id);
        if (msg.error) p.reject(new Error(msg.error.message));
        else p.resolve(msg.result ?? {});
        return;
      }
      const params = msg.params ?? {};
      if (msg.method === "Page.loadEventFired") loaded();
      if (msg.method === "Runtime.consoleAPICalled" && ["error", "assert"].includes(params.type as string)) {
        errors.push(`console.${params.type}: ${(params.args as unknown[]).map(argText).join(" ")}`);
      }
      if (msg.method === "Runtime.exceptionThrown") {
        const d = params.exceptionDetails as { text: string; exception?: { description?: string } };
        errors.push(`uncaught: ${d.exception?.description ?? d.text}`);
      }
      if (msg.method === "Log.entryAdded") {
        const entry = params.entry as { level: string; text: string; url?: string };
        if (entry.level === "error") errors.push(`${entry.text}${entry.url ? ` (${entry.url})` : ""}`);
      }
    };
    let next = 0;
    const send = (method: string, params: Record<string, unknown> = {}, sessionId?: string) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        pending.set(++next, { resolve, reject });
        socket.send(JSON.stringify({ id: next, method, params, sessionId }));
      });
    const { targetId } = await send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true }) as { sessionId: string };
    for (const domain of ["Page", "Runtime", "Log"]) await send(`${domain}.enable`, {}, sessionId);
    const nav = await send("Page.navigate", { url }, sessionId);
    if (nav.errorText) throw new Error(`chromium cannot open ${url}: ${nav.errorText}`);
    await load;
    const out = await send("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true }, sessionId);
    if (out.exceptionDetails) throw new Error(`the expression threw: ${JSON.stringify(out.exceptionDetails)}`);
    return { value: (out.result as { value: T }).value, errors };
  } finally {
    if (ws) {
      ws.onclose = null;
      ws.close();
    }
    clearTimeout(timer);
    try {
      child.kill("SIGTERM");
    } catch { /* it has exited */ }
    await child.status;
    await removeProfile(profile);
  }
}
