/**
 * Policy checkpoints: `model.json` (format, model config, tokenizer id, weight layout, SHA-256 of
 * the weights) beside `weights.bin` (little-endian float32, parameters in order). Both are written
 * atomically; loading checks the tokenizer, the config and the checksum, and says what is wrong.
 * @module
 */
import { type ModelConfig, paramShapes, Policy, policyFromArrays } from "./model.ts";
import { TOKENIZER_ID } from "../text/tokenizer.ts";
import { sha256, writeAtomic } from "../core/atomic.ts";

const FORMAT = "credit-bench-checkpoint/1";

/** What `model.json` holds. */
export interface CheckpointMeta {
  format: string;
  config: ModelConfig;
  tokenizer: string;
  params: { name: string; shape: number[] }[];
  sha256: string;
}

/** Thrown for a checkpoint that cannot be used; the message names the file and the fix. */
export class CheckpointError extends Error {
  /** A checkpoint problem at `dir`. */
  constructor(readonly dir: string, message: string) {
    super(`checkpoint ${dir}: ${message}`);
    this.name = "CheckpointError";
  }
}

/** The weights of a policy as one float32 byte array, parameters in order. */
export function weightBytes(policy: Policy): Uint8Array {
  const out = new Float32Array(policy.size);
  let off = 0;
  for (const v of policy.variables) {
    out.set(v.dataSync() as Float32Array, off);
    off += v.size;
  }
  return new Uint8Array(out.buffer);
}

/** Save a policy to folder `dir` (created if needed). */
export async function saveCheckpoint(dir: string, policy: Policy): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const bytes = weightBytes(policy);
  const meta: CheckpointMeta = {
    format: FORMAT,
    config: policy.config,
    tokenizer: TOKENIZER_ID,
    params: policy.params.map(([name, v]) => ({ name, shape: v.shape })),
    sha256: await sha256(bytes),
  };
  await writeAtomic(`${dir}/weights.bin`, bytes);
  await writeAtomic(`${dir}/model.json`, JSON.stringify(meta, null, 2) + "\n");
}

/**
 * The SHA-256 of the weights of the checkpoint in `dir`, as its `model.json` records it (which
 * {@link loadCheckpoint} checks against `weights.bin`): what tells two base models apart.
 */
export async function weightsSha256(dir: string): Promise<string> {
  return (JSON.parse(await Deno.readTextFile(`${dir}/model.json`)) as CheckpointMeta).sha256;
}

/** What to do about a base model checkpoint that cannot be used. */
const REBUILD = "delete that folder; `deno task bench` rebuilds a base model it cannot find";

/**
 * Load a policy saved by {@link saveCheckpoint}. With `expect`, the stored model config must equal
 * it. Throws a {@link CheckpointError} for a missing, corrupt or mismatched checkpoint, its message
 * ending with `fix` (what the user should do; by default, how to rebuild a base model).
 */
export async function loadCheckpoint(dir: string, expect?: ModelConfig, fix = REBUILD): Promise<Policy> {
  let meta: CheckpointMeta, bytes: Uint8Array;
  try {
    meta = JSON.parse(await Deno.readTextFile(`${dir}/model.json`));
    bytes = await Deno.readFile(`${dir}/weights.bin`);
  } catch (e) {
    throw new CheckpointError(dir, `cannot be read (${(e as Error).message}); ${fix}`);
  }
  const problem = meta.format !== FORMAT
    ? `format ${meta.format} is not ${FORMAT}`
    : meta.tokenizer !== TOKENIZER_ID
    ? `was made with tokenizer ${meta.tokenizer}, this build has ${TOKENIZER_ID}`
    : expect && JSON.stringify(sortKeys(meta.config)) !== JSON.stringify(sortKeys(expect))
    ? `model config ${JSON.stringify(meta.config)} does not match the requested ${JSON.stringify(expect)}`
    : (await sha256(bytes)) !== meta.sha256
    ? "weights.bin does not match its checksum (truncated or corrupt)"
    : null;
  if (problem) throw new CheckpointError(dir, `${problem}; ${fix}`);
  const floats = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const arrays = new Map<string, Float32Array>();
  let off = 0;
  for (const [name, shape] of paramShapes(meta.config)) {
    const n = shape.reduce((a, b) => a * b, 1);
    arrays.set(name, floats.slice(off, off + n));
    off += n;
  }
  if (off !== floats.length) {
    throw new CheckpointError(dir, `holds ${floats.length} weights, its config needs ${off}; ${fix}`);
  }
  return policyFromArrays(meta.config, arrays);
}

function sortKeys(c: ModelConfig): [string, unknown][] {
  return Object.entries(c).sort(([a], [b]) => a.localeCompare(b));
}
