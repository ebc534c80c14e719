/**
 * Stopping on Ctrl-C (SIGINT) or SIGTERM at a safe point. While a {@link StopSignals} is open, the
 * first signal is only noted, with a line saying so, and the work stops where it next calls
 * {@link StopSignals.check}, which throws {@link Stopped}: a bench between two training steps, when
 * every file it has written is whole. A second signal stops at once. While {@link StopSignals.now}
 * is set, a signal calls it instead (the `--jobs` pool stops its children and exits).
 * @module
 */

/** The signals that stop a bench (Windows has SIGINT only). */
const SIGNALS: readonly Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];

/** The exit status of a process stopped by `signal`, as a shell shows it: 130 for SIGINT, 143 for SIGTERM. */
export function signalStatus(signal: Deno.Signal): number {
  return signal === "SIGINT" ? 130 : 143;
}

/** Thrown at a safe point after a stop signal; its message says what stopped and how to go on. */
export class Stopped extends Error {
  /** Stopped by `signal`; `rest` follows `stopped by <signal>` in the message. */
  constructor(readonly signal: Deno.Signal, rest: string) {
    super(`stopped by ${signal}${rest}`);
    this.name = "Stopped";
  }
}

/** Listens for the stop signals until {@link close}d (see the module doc). */
export class StopSignals {
  #signal: Deno.Signal | null = null;
  /** While set, a signal calls this at once instead of waiting for a safe point. */
  now: ((signal: Deno.Signal) => void) | null = null;
  readonly #listeners = SIGNALS.map((signal) => [signal, () => this.#received(signal)] as const);

  /**
   * Start listening. `waiting` is printed at the first signal (what the work stops after), `atOnce`
   * after `stopped by <signal>` when a second one stops the process at once.
   */
  constructor(readonly waiting: string, readonly atOnce: string) {
    for (const [signal, listener] of this.#listeners) Deno.addSignalListener(signal, listener);
  }

  #received(signal: Deno.Signal): void {
    if (this.now) return this.now(signal);
    if (this.#signal) {
      console.error(`\nstopped by ${signal}${this.atOnce}`);
      Deno.exit(signalStatus(signal));
    }
    this.#signal = signal;
    console.error(`\n${signal}: ${this.waiting} (a second ${signal} stops at once)`);
  }

  /** At a safe point: throws {@link Stopped} (`rest` follows `stopped by <signal>`) once a signal came. */
  check(rest: string): void {
    if (this.#signal) throw new Stopped(this.#signal, rest);
  }

  /** Stop listening: signals act as before again. */
  close(): void {
    for (const [signal, listener] of this.#listeners) Deno.removeSignalListener(signal, listener);
  }
}
