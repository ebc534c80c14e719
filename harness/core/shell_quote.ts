/**
 * Quoting for a POSIX shell, for the commands the harness prints or writes into scripts.
 * @module
 */

/** `text` as one word of a POSIX shell: as it is when it needs no quotes, else in single quotes. */
export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}
