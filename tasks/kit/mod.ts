/**
 * The task-writing kit, the `./tasks` entry point of the package: the task contract
 * ({@link defineTask} and its types), the seeded stream a task draws from, the trace builder, the
 * arithmetic steps, the planning and reflection phrases and the vocabulary every prompt and response
 * is written in. A task module `export default`s a {@link defineTask} result and imports only this.
 *
 * @example Build a teacher trace and check it with the arithmetic helpers
 * ```ts
 * import { checkStep, DEFAULT_STYLE, findSteps, rng, TraceBuilder } from "@credit-bench/credit-bench/tasks";
 *
 * const trace = new TraceBuilder(rng(1, "example"), DEFAULT_STYLE).exec("3 + 4 = 7 .").finish("7", "direct", true);
 * console.log(findSteps(trace.words).map(checkStep)[0].ok); // true
 * ```
 * @module
 */
export { DEFAULT_STYLE, defineTask } from "./task.ts";
export type { Problem, Role, StepCheck, Style, TaskDef, Trace, Verdict } from "./task.ts";
export { Rng, rng } from "../../harness/core/rng.ts";
export type { RngState } from "../../harness/core/rng.ts";
export { answerSection, BoundedTrace, missWhere, pickStrategy, rethinks, TraceBuilder, verdict } from "./trace.ts";
export type { AnswerSection } from "./trace.ts";
export { apply, checkStep, findSteps, MAX_NUMBER, num, OPS } from "./arith.ts";
export type { ArithStep, Op } from "./arith.ts";
export { longest, phrase, PLANNING_PHRASES, reflection, REFLECTION_PHRASES } from "./phrases.ts";
export type { PhraseKind } from "./phrases.ts";
export { inVocab } from "../../harness/text/tokenizer.ts";
export { VOCAB } from "../../harness/text/vocab.ts";
