/**
 * The two semantic entropies of DESIGN.md, reported under separate names (natural log, nats):
 *
 * - `se_answer` ({@link seAnswer}): Farquhar et al.'s (Nature 2024) discrete semantic entropy over the
 *   k sampled answers of one problem, the answers clustered by exact equality of the task's canonical
 *   answer (`Verdict.answer`), averaged over problems. Every response without an answer (not well
 *   formed: `Verdict.answer` is null) joins one cluster, written ∅ ({@link NO_ANSWER}). Why one cluster:
 *   failing to answer is one outcome of the problem, like a wrong answer. Giving each ill-formed
 *   response its own cluster would score babble as maximal diversity (entropy ln k for k garbled
 *   responses); dropping them would compute the entropy over fewer samples than k and make a policy
 *   that answers once and babbles otherwise look certain. The ∅ cluster is kept apart from every
 *   answer string (it is keyed by null, so no answer text can collide with it).
 * - `se_strategic` ({@link seStrategic}): the paper's, Shannon entropy of the frequency distribution
 *   of strategic-gram occurrences in one step's rollouts.
 * @module
 */
import { shownValue } from "../core/errors.ts";
import { eligibleTokens } from "../masks/planning.ts";
import type { StrategicGrams } from "../masks/strategic_grams.ts";
import { encode } from "../text/tokenizer.ts";
import { mean } from "./stats.ts";

/**
 * How the cluster of responses without an answer is written in reports.
 *
 * @example
 * ```ts
 * import { NO_ANSWER } from "@credit-bench/credit-bench/metrics";
 *
 * const label = (answer: string | null) => answer ?? NO_ANSWER;
 * ```
 */
export const NO_ANSWER = "∅";

/**
 * Shannon entropy −Σ p_j ln p_j (nats) of the distribution p_j = n_j / Σn of non-negative counts;
 * zero counts contribute nothing, and no counts (or all zero) give 0. A negative, infinite or NaN
 * count is a RangeError.
 *
 * @example
 * ```ts
 * import { shannonEntropy } from "@credit-bench/credit-bench/metrics";
 *
 * shannonEntropy([5, 5]); // ln 2 ≈ 0.693
 * shannonEntropy([4, 0]); // 0
 * ```
 */
export function shannonEntropy(counts: Iterable<number>): number {
  const all = [...counts];
  const bad = all.find((c) => typeof c !== "number" || !(c >= 0 && c < Infinity));
  if (bad !== undefined) {
    throw new RangeError(
      `a count must be a finite number ≥ 0, got ${shownValue(bad)}`,
    );
  }
  const cs = all.filter((c) => c > 0);
  const total = cs.reduce((a, b) => a + b, 0);
  return total ? 0 - cs.reduce((h, c) => h + (c / total) * Math.log(c / total), 0) : 0; // 0 − 0 is 0, not −0
}

/**
 * Discrete semantic entropy of one problem's answers: {@link shannonEntropy} of the cluster sizes,
 * where two answers share a cluster iff their canonical strings are equal and every null (no
 * well-formed answer) is in the one cluster ∅. 0 for no answers.
 *
 * @example
 * ```ts
 * import { answerEntropy } from "@credit-bench/credit-bench/metrics";
 *
 * answerEntropy(["7", "7", "8", null]); // entropy of the clusters {7: 2, 8: 1, ∅: 1} ≈ 1.040
 * ```
 */
export function answerEntropy(answers: readonly (string | null)[]): number {
  const sizes = new Map<string | null, number>();
  for (const a of answers) sizes.set(a, (sizes.get(a) ?? 0) + 1);
  return shannonEntropy(sizes.values());
}

/**
 * `se_answer`: the mean over problems of {@link answerEntropy} of each problem's k answers
 * (`Verdict.answer` of each sample). 0 for no problems; a problem with no answers counts as 0.
 *
 * @example Two problems: one whose samples agree, one whose samples split evenly
 * ```ts
 * import { seAnswer } from "@credit-bench/credit-bench/metrics";
 *
 * seAnswer([["7", "7"], ["3", "4"]]); // (0 + ln 2) / 2 ≈ 0.347
 * ```
 */
export function seAnswer(problems: readonly (readonly (string | null)[])[]): number {
  return mean(problems.map(answerEntropy));
}

/**
 * How often each strategic gram of `sg` occurs in the rollouts (response token ids, prompt excluded):
 * every occurrence inside a response's body (the tokens harness/masks/planning.ts calls eligible: before
 * the first `answer :`, no special token) counts once, overlapping occurrences included, and every
 * rollout counts. Keyed by gram text, in the order of `sg.grams`; grams that never occur map to 0.
 *
 * @example The grams a run was trained with, counted in one response
 * ```ts
 * import { encode, loadResults } from "@credit-bench/credit-bench";
 * import { loadStrategicGrams, strategicGramCounts } from "@credit-bench/credit-bench/metrics";
 *
 * const [run] = (await loadResults("results", "default")).runs;
 * const sg = await loadStrategicGrams(`${run.dir}/strategic_grams.json`);
 * strategicGramCounts(sg, [encode("let us try 3 + 4 = 7 . answer : 7")]);
 * ```
 */
export function strategicGramCounts(sg: StrategicGrams, rollouts: readonly ArrayLike<number>[]): Map<string, number> {
  const counts = new Map(sg.grams.map((g) => [g.gram, 0]));
  const byKey = new Map(sg.grams.map((g) => [encode(g.gram).join(","), g.gram]));
  const lengths = [...new Set(sg.grams.map((g) => encode(g.gram).length))];
  for (const tokens of rollouts) {
    const ok = eligibleTokens(tokens);
    let run = 0; // eligible tokens ending at `end`
    for (let end = 1; end <= tokens.length; end++) {
      run = ok[end - 1] ? run + 1 : 0;
      for (const n of lengths) {
        if (n > run) continue;
        const gram = byKey.get(Array.prototype.slice.call(tokens, end - n, end).join(","));
        if (gram !== undefined) counts.set(gram, counts.get(gram)! + 1);
      }
    }
  }
  return counts;
}

/**
 * `se_strategic`: −Σ_g p(g) ln p(g) with p(g) = (occurrences of gram g) / (occurrences of all grams),
 * occurrences counted by {@link strategicGramCounts} over one step's rollouts. 0 when no gram occurs
 * (or the list is empty).
 *
 * @example
 * ```ts
 * import { encode, loadResults } from "@credit-bench/credit-bench";
 * import { loadStrategicGrams, seStrategic } from "@credit-bench/credit-bench/metrics";
 *
 * const [run] = (await loadResults("results", "default")).runs;
 * const sg = await loadStrategicGrams(`${run.dir}/strategic_grams.json`);
 * seStrategic(sg, ["let us try 3 + 4 = 7 . answer : 7", "notice that 7 - 3 = 4 . answer : 4"].map((t) => encode(t)));
 * ```
 */
export function seStrategic(sg: StrategicGrams, rollouts: readonly ArrayLike<number>[]): number {
  return shannonEntropy(strategicGramCounts(sg, rollouts).values());
}
