/**
 * The metrics of a set of completions (one step's, or all of them), gathered one completion at a time
 * by {@link StepStats} and computed by the functions of harness/metrics/: reward and accuracy; unbiased
 * pass@k of each prompt group (k = 1, 2, 4, … up to the smallest group); response length in words
 * (and tokens, when the dump has them) with the truncation rate where the dump says; `se_strategic`
 * and the planning share of the analysis words (those inside a strategic gram); the share of
 * completions with a reflection phrase, among correct and incorrect ones; `se_answer` over each
 * group's extracted answers; accuracy by length bin; and token entropy and perplexity, over all,
 * planning and execution tokens, only when the dump has per-token entropies or log-probs.
 * @module
 */
import { accuracyByLength, type LengthBin, type LengthStats, lengthStats } from "../metrics/length.ts";
import { meanPassAtK } from "../metrics/pass_at_k.ts";
import { seAnswer, shannonEntropy } from "../metrics/semantic_entropy.ts";
import { ratio } from "../metrics/stats.ts";
import { entropySplit, relativeSplit, type Split } from "../metrics/token_stats.ts";
import type { Completion } from "./completion.ts";
import type { PhraseMatcher } from "./phrases.ts";
import { extractAnswer, textWords, tokenPlanningMask, wordCount } from "./text.ts";

/** Length-bin edges in words: free-text completions run to hundreds of words. */
const WORD_LENGTH_BINS: readonly number[] = [0, 100, 200, 400, 800, 1600];

/**
 * The metrics of one step (a line of `steps.jsonl`) or of all steps (`overall.json`, step null).
 *
 * @example
 * ```ts
 * import type { AnalyzeStep } from "@credit-bench/credit-bench";
 *
 * const line = (s: AnalyzeStep) => `step ${s.step}: accuracy ${s.accuracy}, se_strategic ${s.seStrategic}`;
 * ```
 */
export interface AnalyzeStep {
  /** The step, or null for all steps together. */
  step: number | null;
  /** Completions. */
  completions: number;
  /** Prompt groups (completions of one prompt within a step). */
  groups: number;
  /** Mean reward. */
  reward: number;
  /** Share of correct completions. */
  accuracy: number;
  /** Mean unbiased pass@k over groups, for k = 1, 2, 4, … up to the smallest group, keyed by k. */
  passAtK: Record<string, number>;
  /** Response length in whitespace-separated words. */
  lengthWords: LengthStats;
  /** Response length in tokens, when every completion has per-token data or `--tokenizer` is given (else null). */
  lengthTokens: LengthStats | null;
  /** Share of completions the dump marks truncated, or null when it says nothing. */
  truncation: number | null;
  /** Shannon entropy (nats) of the strategic-gram occurrence frequencies. */
  seStrategic: number;
  /** Strategic-gram occurrences. */
  gramOccurrences: number;
  /** Share of analysis words inside a strategic-gram occurrence. */
  planningShare: number;
  /** Share of completions with a reflection phrase: all, correct and incorrect ones (NaN, null in JSON, among none). */
  reflection: { all: number; amongCorrect: number; amongIncorrect: number };
  /** Share of completions with an answer (the dump's, or extracted). */
  answered: number;
  /** Discrete semantic entropy over each group's answers, averaged over groups (nats). */
  seAnswer: number;
  /** Accuracy by length in words ({@link WORD_LENGTH_BINS}). */
  lengthBins: LengthBin[];
  /** Mean token entropy (nats; NaN, null in JSON, over no token of a kind), or null when the dump has no per-token entropies. */
  entropy: Split | null;
  /** Perplexity exp(mean NLL), or null when the dump has no per-token log-probs. */
  perplexity: Split | null;
  /** Perplexity over the first step's with log-probs (null without log-probs); for all steps, over that step's too. */
  relPerplexity: Split | null;
  /** Tokens whose planning/execution split is known (their text adds up to the completion's). */
  splitTokens: number;
}

/** How a completion is read: the gram and reflection matchers, the answer pattern. */
export interface Readers {
  grams: PhraseMatcher;
  reflections: PhraseMatcher;
  /** A pattern whose last match's first group is the answer; none: the last `\boxed{…}`. */
  answerPattern?: RegExp;
  /** Tokens of a completion's text (`--tokenizer`), for dumps without per-token data. */
  countTokens?: (text: string) => number;
}

/** Sums and counts of a per-token value over all, planning and execution tokens. */
interface Pooled {
  sum: Split;
  n: Split;
}

const KINDS = ["all", "planning", "execution"] as const;

/** One completion's values pooled under its planning mask (every token an execution token when there is none). */
function pooled(values: ArrayLike<number>, mask: Uint8Array | null): Pooled {
  const m = mask ?? new Uint8Array(values.length);
  const means = entropySplit([values], [m]);
  let planning = 0;
  for (let i = 0; i < m.length; i++) planning += m[i];
  const n = { all: values.length, planning, execution: values.length - planning };
  return {
    sum: { all: means.all * n.all, planning: means.planning * planning, execution: means.execution * n.execution },
    n,
  };
}

/** `into` plus `p`, in place. */
function addPooled(into: Pooled, p: Pooled | null): void {
  if (!p) return;
  for (const k of KINDS) {
    into.sum[k] += p.sum[k];
    into.n[k] += p.n[k];
  }
}

const emptyPool = (): Pooled => ({
  sum: { all: 0, planning: 0, execution: 0 },
  n: { all: 0, planning: 0, execution: 0 },
});

/** What the metrics need of one completion, measured once whatever sets it is added to. */
export interface Measured {
  reward: number;
  correct: boolean;
  words: number;
  tokens: number | null;
  truncated: boolean | undefined;
  /** The index of each strategic-gram occurrence's gram. */
  gramHits: number[];
  planningWords: number;
  analysisWords: number;
  reflects: boolean;
  answer: string | null;
  entropy: Pooled | null;
  logp: Pooled | null;
  splitTokens: number;
}

/** Measure one completion with `readers`. */
export function measure(c: Completion, readers: Readers): Measured {
  const words = textWords(c.text), covered = new Uint8Array(words.length);
  const hits = readers.grams.find(words, covered);
  let planning = 0;
  for (let i = 0; i < covered.length; i++) planning += covered[i];
  const mask = c.tokens && (c.entropies || c.logprobs) ? tokenPlanningMask(c.text, c.tokens, covered) : null;
  return {
    reward: c.reward,
    correct: c.correct,
    words: wordCount(c.text),
    tokens: (c.tokens ?? c.logprobs ?? c.entropies)?.length ??
      (readers.countTokens ? readers.countTokens(c.text) : null),
    truncated: c.truncated,
    gramHits: hits,
    planningWords: planning,
    analysisWords: words.length,
    reflects: readers.reflections.find(words).length > 0,
    answer: c.answer !== undefined ? c.answer : extractAnswer(c.text, readers.answerPattern),
    entropy: c.entropies ? pooled(c.entropies, mask) : null,
    logp: c.logprobs ? pooled(c.logprobs, mask) : null,
    splitTokens: mask ? mask.length : 0,
  };
}

/** The metrics of a set of completions, gathered one {@link Measured} completion at a time. */
export class StepStats {
  #n = 0;
  #reward = 0;
  #correct = 0;
  #words: number[] = [];
  #right: boolean[] = [];
  #tokens: number[] = [];
  #truncated: boolean[] = [];
  #truncationKnown = true;
  #grams: Float64Array;
  #planningWords = 0;
  #analysisWords = 0;
  #reflect = { correct: 0, incorrect: 0 };
  #answered = 0;
  /** Per group: correctness of each completion and its answer. */
  #groups = new Map<string, { ok: boolean[]; answers: (string | null)[] }>();
  #entropy = emptyPool();
  #logp = emptyPool();
  #hasEntropy = false;
  #hasLogp = false;
  #splitTokens = 0;

  /** Stats of `step` (null: all steps) over `grams` strategic grams. */
  constructor(readonly step: number | null, grams: number) {
    this.#grams = new Float64Array(grams);
  }

  /** Add one measured completion; `group` is its group's key (unique across steps for the overall stats). */
  add(m: Measured, group: string): void {
    this.#n++;
    this.#reward += m.reward;
    this.#correct += m.correct ? 1 : 0;
    this.#words.push(m.words);
    this.#right.push(m.correct);
    if (m.tokens !== null) this.#tokens.push(m.tokens);
    if (m.truncated === undefined) this.#truncationKnown = false;
    this.#truncated.push(m.truncated ?? false);
    for (const g of m.gramHits) this.#grams[g]++;
    this.#planningWords += m.planningWords;
    this.#analysisWords += m.analysisWords;
    if (m.reflects) this.#reflect[m.correct ? "correct" : "incorrect"]++;
    this.#answered += m.answer === null ? 0 : 1;
    const g = this.#groups.get(group) ?? { ok: [], answers: [] };
    g.ok.push(m.correct);
    g.answers.push(m.answer);
    this.#groups.set(group, g);
    this.#hasEntropy ||= m.entropy !== null;
    this.#hasLogp ||= m.logp !== null;
    addPooled(this.#entropy, m.entropy);
    addPooled(this.#logp, m.logp);
    this.#splitTokens += m.splitTokens;
  }

  /** The metrics; `firstPerplexity` is the first step's with log-probs, for relative perplexity (this step's own when null). */
  result(firstPerplexity: Split | null = null): AnalyzeStep {
    const groups = [...this.#groups.values()];
    const smallest = groups.reduce((m, g) => Math.min(m, g.ok.length), Infinity); // not Math.min(...): 10⁵ groups
    const passAtK: Record<string, number> = {};
    for (let k = 1; k <= smallest; k *= 2) passAtK[k] = meanPassAtK(groups.map((g) => g.ok), k);
    const mean = (p: Pooled, k: typeof KINDS[number]) => (p.n[k] ? p.sum[k] / p.n[k] : NaN);
    const perplexity = this.#hasLogp
      ? {
        all: Math.exp(-mean(this.#logp, "all")),
        planning: Math.exp(-mean(this.#logp, "planning")),
        execution: Math.exp(-mean(this.#logp, "execution")),
      }
      : null;
    // A mean over no token, or a share of no completion, is NaN (null in JSON, "–" in the tables), not 0.
    const entropy = this.#hasEntropy
      ? {
        all: mean(this.#entropy, "all"),
        planning: mean(this.#entropy, "planning"),
        execution: mean(this.#entropy, "execution"),
      }
      : null;
    const share = (part: number, whole: number) => (whole ? part / whole : NaN);
    const lengths = (xs: number[]) => ({
      ...lengthStats(xs, this.#truncated),
      ...(!this.#truncationKnown && { truncation: NaN }),
    });
    const base = firstPerplexity ?? perplexity;
    const correct = this.#correct, incorrect = this.#n - correct;
    return {
      step: this.step,
      completions: this.#n,
      groups: groups.length,
      reward: ratio(this.#reward, this.#n),
      accuracy: ratio(correct, this.#n),
      passAtK,
      lengthWords: lengths(this.#words),
      lengthTokens: this.#tokens.length === this.#n && this.#n > 0 ? lengths(this.#tokens) : null,
      truncation: this.#truncationKnown ? ratio(this.#truncated.filter((t) => t).length, this.#n) : null,
      seStrategic: shannonEntropy(this.#grams),
      gramOccurrences: this.#grams.reduce((a, b) => a + b, 0),
      planningShare: ratio(this.#planningWords, this.#analysisWords),
      reflection: {
        all: ratio(this.#reflect.correct + this.#reflect.incorrect, this.#n),
        amongCorrect: share(this.#reflect.correct, correct),
        amongIncorrect: share(this.#reflect.incorrect, incorrect),
      },
      answered: ratio(this.#answered, this.#n),
      seAnswer: seAnswer(groups.map((g) => g.answers)),
      lengthBins: accuracyByLength(this.#words, this.#right, WORD_LENGTH_BINS),
      entropy,
      perplexity,
      relPerplexity: perplexity && base && relativeSplit(perplexity, base),
      splitTokens: this.#splitTokens,
    };
  }
}
