/**
 * Tiny sentence-model folders for tests: a `model.onnx` built with `onnx-proto` (ONNX's own protobuf
 * schema) whose embedding-table lookup (Gather) stands in for a sentence transformer, and a WordPiece
 * `tokenizer.json` as all-MiniLM-L6-v2's. Used by tests/sentence_model_test.ts and tests/analyze_test.ts.
 * @module
 */
import onnxProto, { type onnx as Onnx } from "onnx-proto";

const { onnx } = onnxProto;
const INT64 = onnx.TensorProto.DataType.INT64, FLOAT = onnx.TensorProto.DataType.FLOAT;
export const BERT_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"];

/** A tensor's value info with named (string) or fixed (number) dimensions. */
function valueInfo(name: string, elemType: number, dims: (string | number)[]): Onnx.IValueInfoProto {
  const dim = dims.map((d) => (typeof d === "string" ? { dimParam: d } : { dimValue: d }));
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

/** How a fixture model differs from a sentence-transformers export. */
export interface ModelShape {
  /** Input names (int64 [batch, seq]). */
  inputs?: string[];
  /** Output name; `sentence_embedding` sums over the sequence (a pooled output). */
  output?: string;
}

/**
 * model.onnx bytes: `last_hidden_state = Gather(table, input_ids)`, [batch, seq, dim], from a
 * `table` of one row per token id; other inputs are taken and unused, as a sentence model's
 * token_type_ids may be.
 */
export function modelBytes(table: readonly number[][], shape: ModelShape = {}): Uint8Array {
  const { inputs = ["input_ids", "attention_mask", "token_type_ids"], output = "last_hidden_state" } = shape;
  const dim = table[0].length, pooled = output === "sentence_embedding";
  const node: Onnx.INodeProto[] = [{
    opType: "Gather",
    input: ["table", inputs[0]],
    output: [pooled ? "hidden" : output],
    attribute: [{ name: "axis", type: onnx.AttributeProto.AttributeType.INT, i: 0 }],
  }];
  const initializer: Onnx.ITensorProto[] = [{
    name: "table",
    dataType: FLOAT,
    dims: [table.length, dim],
    floatData: table.flat(),
  }];
  if (pooled) {
    node.push({
      opType: "ReduceSum",
      input: ["hidden", "axes"],
      output: [output],
      attribute: [{ name: "keepdims", type: onnx.AttributeProto.AttributeType.INT, i: 0 }],
    });
    initializer.push({ name: "axes", dataType: INT64, dims: [1], int64Data: [1] });
  }
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 13 }],
    producerName: "credit-bench tests",
    graph: {
      name: "lookup",
      node,
      initializer,
      input: inputs.map((n) => valueInfo(n, INT64, ["batch", "seq"])),
      output: [valueInfo(output, FLOAT, pooled ? ["batch", dim] : ["batch", "seq", dim])],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** A BERT tokenizer.json (as all-MiniLM-L6-v2's, cased): WordPiece over the four specials then `words`, [CLS] … [SEP]. */
export function tokenizerJson(words: readonly string[]): string {
  const vocab = Object.fromEntries([...BERT_SPECIALS, ...words].map((w, i) => [w, i]));
  const special = (content: string) => ({
    id: vocab[content],
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const tokens = (id: string) => ({ id, ids: [vocab[id]], tokens: [id] });
  return JSON.stringify({
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: BERT_SPECIALS.map(special),
    normalizer: { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, lowercase: false },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: {
      type: "TemplateProcessing",
      single: [
        { SpecialToken: { id: "[CLS]", type_id: 0 } },
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: "[SEP]", type_id: 0 } },
      ],
      pair: [],
      special_tokens: { "[CLS]": tokens("[CLS]"), "[SEP]": tokens("[SEP]") },
    },
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: { type: "WordPiece", unk_token: "[UNK]", continuing_subword_prefix: "##", vocab },
  });
}

/** Write a sentence-model folder in a fresh temp dir; returns its path. */
export async function fixture(
  words: readonly string[],
  table: readonly number[][],
  shape?: ModelShape,
): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "sentence_model_" });
  await Deno.writeFile(`${dir}/model.onnx`, modelBytes(table, shape));
  await Deno.writeTextFile(`${dir}/tokenizer.json`, tokenizerJson(words));
  return dir;
}
