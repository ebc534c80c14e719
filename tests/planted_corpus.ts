/**
 * A synthetic corpus of successful responses with the real planning phrases planted between execution
 * steps, shared by the Strategic-Gram tests (PPMI+SVD and ONNX sentence-model embedders).
 * @module
 */
import { PLANNING_PHRASES, REFLECTION_PHRASES } from "../tasks/kit/phrases.ts";
import { type Rng, rng } from "../harness/core/rng.ts";
import { encode } from "../harness/text/tokenizer.ts";

/** Every planning and reflection phrase. */
export const PHRASES: string[] = [...Object.values(PLANNING_PHRASES).flat(), ...REFLECTION_PHRASES];
/** The phrases a 3-5-gram miner can recover (three words or more). */
export const PLANTED = PHRASES.filter((p) => p.split(" ").length >= 3);
/** The words of the phrases (the comma excluded). */
export const PHRASE_WORDS = new Set(PHRASES.flatMap((p) => p.split(" ")).filter((w) => w !== ","));

/**
 * A synthetic successful response: 3-6 blocks, each an optional planted phrase (p = 0.7, uniform over
 * the real planning and reflection phrases) then one or two execution steps with random numbers in
 * one of three forms, two of them with words (`use 5 and 7 gives 12 .`, `then 5 + 7 = 12 .`).
 */
function plantedResponse(r: Rng): number[] {
  const out: string[] = [];
  const v = () => String(r.int(100));
  for (let b = r.range(3, 6); b > 0; b--) {
    if (r.bernoulli(0.7)) out.push(r.pick(PHRASES));
    for (let s = r.range(1, 2); s > 0; s--) {
      const op = r.pick(["+", "-", "*", "/"]);
      const forms = [`${v()} ${op} ${v()} = ${v()} .`, `use ${v()} and ${v()} gives ${v()} .`];
      out.push([...forms, `then ${v()} ${op} ${v()} = ${v()} .`][r.int(3)]);
    }
  }
  return encode(`${out.join(" ")} answer : ${v()}`);
}

/** 200 planted responses (token ids), seeded. */
export const CORPUS = Array.from({ length: 200 }, (_, i) => plantedResponse(rng(5, "planted", i)));
