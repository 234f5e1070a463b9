import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { BpeTokenizer, BYTE_TO_CHAR, pretokenize } from "../../src/llm/tokenizer/index.js";
import { FIXTURES } from "../helpers.js";

const DIR = join(FIXTURES, "gpt2");

interface ReferenceCase {
  name: string;
  text: string;
  ids: number[];
  allowedSpecial?: "all";
}
// GPT-2's ids, from OpenAI's encoder algorithm (see test/fixtures/gpt2/README.md).
const REFERENCE = JSON.parse(readFileSync(join(DIR, "reference.json"), "utf8")).cases as ReferenceCase[];

const gpt2 = BpeTokenizer.load(DIR);

/** A deterministic pseudo-random source (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("GPT-2 byte-level BPE", () => {
  test("loads GPT-2's vocab.json and merges.txt", () => {
    assert.equal(gpt2.vocabSize, 50257);
    assert.equal(gpt2.merges.length, 50000);
    assert.deepEqual([...gpt2.specialTokens], [["<|endoftext|>", 50256]]);
    // Ids 0-255 are the byte characters in code-point order; byte 0 is "Ā" (U+0100) = 188.
    assert.equal(gpt2.tokenToId("!"), 0);
    assert.equal(gpt2.tokenToId(BYTE_TO_CHAR[0]), 188);
    assert.equal(gpt2.tokenToId("\u0120the"), 262); // " the"
  });

  for (const c of REFERENCE) {
    test(`gives GPT-2's ids: ${c.name}`, () => {
      const ids = gpt2.encode(c.text, { allowedSpecial: c.allowedSpecial ?? [] });
      assert.deepEqual([...ids], c.ids);
      assert.equal(gpt2.decode(ids), c.text);
    });
  }

  test("pre-tokenizes like GPT-2", () => {
    assert.deepEqual(pretokenize("Hello world's   end!!\n\n x"), ["Hello", " world", "'s", "  ", " end", "!!", "\n\n", " x"]);
    assert.deepEqual(pretokenize("x \u0085y"), ["x", " ", "\u0085", "y"]); // U+0085 is White_Space
    assert.deepEqual(pretokenize(""), []);
  });

  test("round-trips tricky strings exactly", () => {
    const samples = [
      "",
      " ",
      "   trailing spaces   ",
      "\n\n\r\n\t\u000b\f",
      "\u0000\u0001\u007f control bytes",
      "👨‍👩‍👧‍👦🇫🇷🏳️‍🌈 e\u0301 \ufeffbom",
      "中文，日本語、한국어",
      "<|endoftext", // an incomplete special token is ordinary text
      "x".repeat(5000) + " " + "12".repeat(3000),
    ];
    for (const s of samples) assert.equal(gpt2.decode(gpt2.encode(s)), s, JSON.stringify(s.slice(0, 40)));
  });

  test("round-trips random Unicode", () => {
    const random = rng(7);
    for (let k = 0; k < 20; k++) {
      let s = "";
      for (let i = 0; i < 200; i++) {
        const r = random();
        // Mix ASCII, Latin-1, BMP (minus surrogates) and astral code points.
        let cp = 0x10000 + Math.floor(random() * 0x100000);
        if (r < 0.5) cp = 32 + Math.floor(random() * 95);
        else if (r < 0.7) cp = Math.floor(random() * 256);
        else if (r < 0.9) cp = Math.floor(random() * 0xd800);
        s += String.fromCodePoint(cp);
      }
      assert.equal(gpt2.decode(gpt2.encode(s)), s);
    }
  });

  test("special tokens: an error unless allowed or explicitly not disallowed", () => {
    const text = "one<|endoftext|>two";
    assert.throws(() => gpt2.encode(text), /special token "<\|endoftext\|>" at index 3; pass allowedSpecial/);
    const asSpecial = gpt2.encode(text, { allowedSpecial: ["<|endoftext|>"] });
    assert.deepEqual([...asSpecial], [505, 50256, 11545]);
    assert.deepEqual([...gpt2.encode(text, { allowedSpecial: "all" })], [...asSpecial]);
    const asText = gpt2.encode(text, { disallowedSpecial: [] });
    assert.ok(!asText.includes(50256));
    assert.equal(gpt2.decode(asText), text);
    assert.equal(gpt2.decode(asSpecial), text);
    assert.throws(() => gpt2.encode(text, { allowedSpecial: ["<|pad|>"] }), /"<\|pad\|>", which is not a special token/);
  });

  test("decodeBytes streams through a TextDecoder across split characters", () => {
    const text = "naïve 👍🏽 東京";
    const ids = gpt2.encode(text);
    const stream = new TextDecoder();
    let out = "";
    for (const id of ids) out += stream.decode(gpt2.decodeBytes([id]), { stream: true });
    out += stream.decode();
    assert.equal(out, text);
    // GPT-2 splits " 東京" into 5 tokens; the first alone is a space and part of a character.
    const tokyo = gpt2.encode(" 東京");
    assert.deepEqual([...tokyo], [10545, 251, 109, 12859, 105]);
    assert.equal(gpt2.decode(tokyo.subarray(0, 1)), " \ufffd");
  });

  test("decode rejects unknown ids, naming the position", () => {
    assert.throws(() => gpt2.decode([40, 50257]), /id 50257 at position 1 is not in the vocabulary \(vocabSize 50257\)/);
    assert.throws(() => gpt2.decode([1.5]), RangeError);
    assert.throws(() => gpt2.decode([-1]), RangeError);
  });
});
