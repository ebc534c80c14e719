/**
 * The scale check of `deno task analyze` (issue 25): writes a generic JSON Lines dump of N completions
 * of about W words each (default 200,000 × 400, groups of 8, one file per step), then runs the analyze
 * command on it under `/usr/bin/time` and prints the wall time and the peak resident memory. The
 * target: at most 3 minutes and under 1.5 GB on the project's 2-core machine. `--trl` writes the same
 * completions as one TRL Parquet file of one row group instead, without offset indexes as pandas (pyarrow)
 * writes it, or with them (`--offset-index`), as hyparquet-writer does. A benchmark, not a test: run it by
 * hand (`deno run -A bench/analyze_scale.ts [--completions N] [--words W] [--trl [--offset-index]] [--keep]`).
 * @module
 */
import { parquetWriteFile } from "hyparquet-writer";
import { rng } from "../harness/core/rng.ts";

const arg = (name: string, fallback: number) => {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Number(Deno.args[i + 1]) : fallback;
};
const N = arg("completions", 200_000), W = arg("words", 400), STEPS = arg("steps", 50), GROUP = 8;
const TRL = Deno.args.includes("--trl"), OFFSET_INDEX = Deno.args.includes("--offset-index");

/** Problem words: a vocabulary of 3,000 made-up words, drawn with a skew so that some are common. */
const VOCAB = Array.from({ length: 3000 }, (_, i) => `w${i.toString(36)}`);
const PLANS = [
  "let me think about this step by step .",
  "the key insight is that",
  "another approach is to try",
  "what if we consider the case where",
  "wait , let me double-check this .",
  "but wait , that assumption was incorrect .",
  "so it follows that",
];

/** One completion of about `W` words: filler sentences with planning phrases between them and a boxed answer. */
function completion(r: ReturnType<typeof rng>, answer: number): string {
  const out: string[] = [];
  while (out.length < W) {
    if (r.float() < 0.15) out.push(PLANS[r.int(PLANS.length)]);
    const n = 5 + r.int(10);
    for (let i = 0; i < n; i++) out.push(VOCAB[Math.floor(VOCAB.length * r.float() ** 3)]);
    out.push(r.float() < 0.5 ? "." : `= ${r.int(100)} .`);
  }
  out.push(`\\boxed{${answer}}`);
  return out.join(" ");
}

const dir = await Deno.makeTempDir({ prefix: "analyze_scale_" });
const t0 = performance.now();
const r = rng(1, "analyze_scale");
const perStep = Math.ceil(N / STEPS / GROUP) * GROUP;
let written = 0, bytes = 0;
/** `--trl`: the columns of the one Parquet file, a row a completion. */
const trl = {
  step: [] as bigint[],
  prompt: [] as string[],
  completion: [] as string[],
  accuracy_reward: [] as number[],
};
for (let step = 0; TRL && written < N; step++) {
  for (let i = 0; i < perStep && written < N; i++, written++) {
    const answer = r.int(4);
    trl.step.push(BigInt(step));
    trl.prompt.push(`problem ${Math.floor(i / GROUP)}`);
    trl.completion.push(completion(r, answer));
    trl.accuracy_reward.push(answer === 0 ? 1 : 0);
  }
}
if (TRL) {
  const filename = `${dir}/completions_00001.parquet`;
  parquetWriteFile({
    filename,
    rowGroupSize: N,
    columnData: Object.entries(trl).map(([name, data]) => ({ name, data, offsetIndex: OFFSET_INDEX })),
  });
  bytes = (await Deno.stat(filename)).size;
}
for (let step = 0; written < N; step++) {
  const file = await Deno.open(`${dir}/${step}.jsonl`, { write: true, create: true });
  const enc = new TextEncoder(), lines: string[] = [];
  for (let i = 0; i < perStep && written < N; i++, written++) {
    const answer = r.int(4), correct = answer === 0;
    lines.push(
      JSON.stringify({
        step,
        prompt: `problem ${Math.floor(i / GROUP)}`,
        completion: completion(r, answer),
        reward: correct ? 1 : 0,
      }),
    );
  }
  const data = enc.encode(lines.join("\n") + "\n");
  bytes += data.length;
  await file.write(data).then(async (n) => {
    let off = n;
    while (off < data.length) off += await file.write(data.subarray(off));
  });
  file.close();
}
console.log(
  `wrote ${written} completions (${(bytes / 1e6).toFixed(0)} MB) to ${dir} in ${
    ((performance.now() - t0) / 1000).toFixed(0)
  } s`,
);

const cli = new URL("../harness/cli.ts", import.meta.url).pathname;
const t1 = performance.now();
const p = await new Deno.Command("/usr/bin/time", {
  args: ["-f", "peak RSS %M KiB", Deno.execPath(), "run", "-A", cli, "analyze", dir, "--out", `${dir}/analysis`],
  stdout: "null",
  stderr: "piped",
}).output();
const wall = (performance.now() - t1) / 1000;
const err = new TextDecoder().decode(p.stderr).trim().split("\n");
const rss = Number(err.at(-1)?.match(/peak RSS (\d+) KiB/)?.[1] ?? NaN);
console.log(err.slice(-3).join("\n"));
const overall = JSON.parse(await Deno.readTextFile(`${dir}/analysis/overall.json`));
console.log(
  `analyze: ${written} completions × ${overall.lengthWords.mean.toFixed(0)} words (mean) in ${wall.toFixed(1)} s, ` +
    `peak RSS ${(rss / 1024).toFixed(0)} MiB (exit ${p.code})`,
);
if (!Deno.args.includes("--keep")) await Deno.remove(dir, { recursive: true });
