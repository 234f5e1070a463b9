import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { CharTokenizer } from "../../src/llm/tokenizer/index.js";
import { REPO } from "../helpers.js";

// The first 2 KB of Tiny Shakespeare (the whole 1 MB file has 65 distinct characters).
const EXCERPT = readFileSync(join(REPO, "test", "llm", "data", "tinyshakespeare_head.txt"), "utf8");

describe("CharTokenizer", () => {
  test("builds nanoGPT's vocabulary: distinct characters sorted by code point", () => {
    const tok = CharTokenizer.fromText(EXCERPT);
    assert.equal(tok.vocabSize, 49);
    assert.equal(tok.chars.join(""), "\n !',-.:;?ABCFILMNORSTVWYabcdefghijklmnoprstuvwyz");
    const ids = tok.encode("First Citizen:\n");
    assert.ok(ids instanceof Int32Array);
    assert.deepEqual([...ids], [...("First Citizen:\n")].map((c) => tok.chars.indexOf(c)));
    assert.equal(tok.encode("\n")[0], 0);
    assert.equal(tok.encode(" ")[0], 1);
  });

  test("round-trips the excerpt exactly", () => {
    const tok = CharTokenizer.fromText(EXCERPT);
    const ids = tok.encode(EXCERPT);
    assert.equal(ids.length, EXCERPT.length);
    assert.equal(tok.decode(ids), EXCERPT);
    assert.equal(tok.decode(Array.from(ids)), EXCERPT);
  });

  test("treats a code point outside the BMP as one character, sorted by code point", () => {
    // By UTF-16 code units "😀" (D83D DE00) would sort before "Ａ" (FF21); by code point, after.
    const text = "a😀bＡa\u00e9";
    const tok = CharTokenizer.fromText(text);
    assert.deepEqual(tok.chars, ["a", "b", "\u00e9", "Ａ", "😀"]);
    assert.deepEqual([...tok.encode(text)], [0, 4, 1, 3, 0, 2]);
    assert.equal(tok.decode(tok.encode(text)), text);
  });

  test("an unknown character is an error naming it and its index", () => {
    const tok = CharTokenizer.fromText(EXCERPT);
    assert.throws(() => tok.encode("Hello, Zeus"), (e: Error) => {
      assert.ok(e instanceof RangeError);
      assert.match(e.message, /"H" \(U\+0048\) at index 0/);
      return true;
    });
    assert.throws(() => tok.encode("we are é"), /"é" \(U\+00E9\) at index 7 is not in the vocabulary \(49 characters\)/);
  });

  test("decode rejects ids outside the vocabulary, naming the position", () => {
    const tok = CharTokenizer.fromText("abc");
    assert.throws(() => tok.decode([0, 1, 3]), /id 3 at position 2 is not in the vocabulary/);
    assert.throws(() => tok.decode([-1]), RangeError);
    assert.throws(() => tok.decode([0.5]), RangeError);
  });

  test("toJSON/fromJSON round-trip through JSON text", () => {
    const tok = CharTokenizer.fromText(EXCERPT);
    const back = CharTokenizer.fromJSON(JSON.parse(JSON.stringify(tok)));
    assert.deepEqual(back.chars, tok.chars);
    assert.deepEqual(back.encode(EXCERPT), tok.encode(EXCERPT));
  });

  test("rejects malformed vocabularies", () => {
    assert.throws(() => CharTokenizer.fromJSON({ type: "bpe", chars: ["a"] }), TypeError);
    assert.throws(() => CharTokenizer.fromJSON(null), TypeError);
    assert.throws(() => new CharTokenizer(["a", "b", "a"]), /"a" \(U\+0061\) appears twice/);
    assert.throws(() => new CharTokenizer(["ab"]), /exactly one character/);
    assert.throws(() => new CharTokenizer([""]), /exactly one character/);
  });
});
