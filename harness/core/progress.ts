/**
 * A small progress bar on stderr with a rate and an ETA (from the units done since its first update,
 * so a resumed run's ETA does not count the work done before). When stderr is not a terminal (a log file,
 * CI), the same line is printed plainly at most every {@link LOG_EVERY_MS} ms, and at the end.
 * @module
 */

/** How often a progress line is written when stderr is not a terminal. */
export const LOG_EVERY_MS = 30_000;

/** A progress bar for `total` units of work. */
export class Progress {
  readonly #t0 = performance.now();
  readonly #tty = Deno.stderr.isTerminal();
  #last = 0;
  /** Units done at the first update (a resumed run starts past 0) and when. */
  #first: { done: number; at: number } | null = null;

  /**
   * A bar labelled `label` for `total` units (the total may be set later); `write` takes each line
   * (stderr unless given, e.g. by a test).
   */
  constructor(
    readonly label: string,
    public total: number,
    readonly write: (text: string) => void = (text) => Deno.stderr.writeSync(new TextEncoder().encode(text)),
  ) {}

  /**
   * Report `done` units finished, with an optional note (e.g. the current loss). A count past the total
   * (a run that logs more than it announced) shows a full bar; it never throws.
   */
  update(done: number, note = ""): void {
    const now = performance.now();
    this.#first ??= { done, at: now };
    if (now - this.#last < (this.#tty ? 100 : LOG_EVERY_MS) && done < this.total) return;
    this.#last = now;
    const frac = this.total ? Math.min(1, Math.max(0, done / this.total)) : 1;
    const width = 24, filled = Math.round(frac * width);
    const secs = (now - this.#t0) / 1000;
    const { done: d0, at } = this.#first;
    const eta = done > d0 ? ((now - at) / 1000 / (done - d0)) * (this.total - done) : NaN; // the rate since the first update
    const line = `${this.label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${this.total} ` +
      `${fmtTime(secs)} elapsed, ETA ${fmtTime(eta)} ${note}`;
    this.write(this.#tty ? `\r\x1b[2K${line}` : `${line}\n`);
  }

  /** Finish the bar (leaves the last line on screen). */
  done(): void {
    if (this.#tty) this.write("\n");
  }
}

function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return "?";
  const m = Math.floor(s / 60);
  return m ? `${m}m${String(Math.round(s % 60)).padStart(2, "0")}s` : `${s.toFixed(0)}s`;
}
