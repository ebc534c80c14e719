/**
 * Placebo HICRA: HICRA's amplification A + α·|A| on random n-gram spans covering the same share of
 * tokens as the mined planning mask (`mask: "random"`). If it matched HICRA, planning tokens would
 * not be what matters.
 * @module
 */
import { defineBaseline } from "../harness/credit/baseline.ts";
import hicra from "./hicra.ts";

/** The placebo_hicra baseline. */
export default defineBaseline({
  ...hicra,
  name: "placebo_hicra",
  summary: "HICRA on random spans covering the same share of tokens as the mined planning mask",
  params: { ...hicra.params, mask: "random" },
});
