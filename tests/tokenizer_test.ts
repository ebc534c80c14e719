import { assert, assertEquals, assertThrows } from "./testing.ts";
import { decode, encode, TOKENIZER_ID, UnknownTokenError, VOCAB_SIZE } from "../harness/text/tokenizer.ts";
import { VOCAB, VOCAB_VERSION } from "../harness/text/vocab.ts";

Deno.test("tokenizer", async (t) => {
  await t.step("encode/decode round trip over the whole vocabulary", () => {
    const text = VOCAB.join(" ");
    assertEquals(decode(encode(text)), text);
    assertEquals(encode(text).length, VOCAB_SIZE);
  });

  await t.step("whitespace runs are one separator", () => {
    assertEquals(decode(encode("  answer :\n 12 \t+ 3 ")), "answer : 12 + 3");
  });

  await t.step("unknown text names the offending word and its position", () => {
    let e: unknown;
    try {
      encode("answer : banana");
    } catch (err) {
      e = err;
    }
    assert(e instanceof UnknownTokenError);
    assertEquals([e.word, e.position], ["banana", 2]);
    assert(e.message.includes('"banana"') && e.message.includes("word 2"));
    assertThrows(() => encode("100"), /unknown token "100"/);
  });

  await t.step("ids outside the vocabulary are refused", () => {
    assertThrows(() => decode([VOCAB_SIZE]), /outside the vocabulary/);
  });

  await t.step("the vocabulary has no duplicates and the id names its version", () => {
    assertEquals(new Set(VOCAB).size, VOCAB.length);
    assert(TOKENIZER_ID.startsWith(`${VOCAB_VERSION}-`));
  });

  await t.step("the vocabulary is pinned to its version: change the list, bump VOCAB_VERSION and this id", () => {
    assertEquals(TOKENIZER_ID, "v1-faa1f855");
    assertEquals(VOCAB_SIZE, 200);
  });
});
