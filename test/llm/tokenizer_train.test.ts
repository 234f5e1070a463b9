import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { BpeTokenizer, BYTE_TO_CHAR, pretokenize, trainByteLevelBpe } from "../../src/llm/tokenizer/index.js";
import { REPO } from "../helpers.js";

const EXCERPT = readFileSync(join(REPO, "test", "llm", "data", "tinyshakespeare_head.txt"), "utf8");

/**
 * Textbook BPE training, recounting every pair each step, with the documented tie rule
 * (highest count, then smallest left id, then smallest right id); the incremental trainer
 * must produce the same merges.
 */
function naiveTrain(corpus: string, merges: number): Array<[string, string]> {
  const tokens = [...BYTE_TO_CHAR].sort((a, b) => a.charCodeAt(0) - b.charCodeAt(0));
  const id = new Map(tokens.map((t, i) => [t, i]));
  const counts = new Map<string, number>();
  for (const w of pretokenize(corpus)) counts.set(w, (counts.get(w) ?? 0) + 1);
  let words = [...counts].map(([w, n]) => ({ n, ids: [...Buffer.from(w, "utf8")].map((b) => id.get(BYTE_TO_CHAR[b])!) }));
  const out: Array<[string, string]> = [];
  while (out.length < merges) {
    const pairs = new Map<string, number>();
    for (const { n, ids } of words) {
      for (let i = 0; i + 1 < ids.length; i++) {
        const key = `${ids[i]},${ids[i + 1]}`;
        pairs.set(key, (pairs.get(key) ?? 0) + n);
      }
    }
    let best: number[] | null = null;
    let bestCount = 1; // minFrequency 2
    for (const [key, n] of pairs) {
      const [l, r] = key.split(",").map(Number);
      if (n > bestCount || (n === bestCount && best !== null && (l < best[0] || (l === best[0] && r < best[1])))) [best, bestCount] = [[l, r], n];
    }
    if (best === null) break;
    const [l, r] = best;
    out.push([tokens[l], tokens[r]]);
    const merged = tokens.length;
    tokens.push(tokens[l] + tokens[r]);
    words = words.map(({ n, ids }) => {
      const next: number[] = [];
      for (let i = 0; i < ids.length; i++) {
        if (i + 1 < ids.length && ids[i] === l && ids[i + 1] === r) {
          next.push(merged);
          i++;
        } else {
          next.push(ids[i]);
        }
      }
      return { n, ids: next };
    });
  }
  return out;
}

describe("trainByteLevelBpe", () => {
  test("gives exactly the requested vocabulary size, and round-trips", () => {
    const tok = trainByteLevelBpe(EXCERPT, { vocabSize: 400 });
    assert.equal(tok.vocabSize, 400);
    assert.equal(tok.vocab.size, 400);
    assert.equal(tok.merges.length, 144);
    assert.equal(tok.decode(tok.encode(EXCERPT)), EXCERPT);
    assert.ok(tok.encode(EXCERPT).length < EXCERPT.length / 2);
    // Text it never saw, down to bytes it never saw, still round-trips.
    const unseen = "Zebras & 東京 🙂 quux\u0000\n";
    assert.equal(tok.decode(tok.encode(unseen)), unseen);
  });

  test("makes the same merges as textbook BPE with the documented tie rule", () => {
    const tok = trainByteLevelBpe(EXCERPT, { vocabSize: 356 });
    assert.deepEqual(tok.merges, naiveTrain(EXCERPT, 100));
  });

  test("breaks ties by the smaller left id, then the smaller right id", () => {
    // Pairs xy, zw and Ġz all occur twice; x < z < Ġ in GPT-2's byte order.
    const tok = trainByteLevelBpe("xy xy zw zw", { vocabSize: 259 });
    assert.deepEqual(tok.merges, [["x", "y"], ["z", "w"], ["\u0120", "zw"]]);
  });

  test("is deterministic, and saves to files the loader reads back", () => {
    const a = trainByteLevelBpe(EXCERPT, { vocabSize: 300, specialTokens: ["<|endoftext|>"] });
    const b = trainByteLevelBpe(EXCERPT, { vocabSize: 300, specialTokens: ["<|endoftext|>"] });
    assert.deepEqual(a.merges, b.merges);
    const dir = mkdtempSync(join(tmpdir(), "lathe-train-"));
    a.save(dir);
    const loaded = BpeTokenizer.load(dir);
    assert.equal(loaded.vocabSize, 300);
    assert.deepEqual(loaded.merges, a.merges);
    assert.deepEqual(loaded.encode(EXCERPT), a.encode(EXCERPT));
  });

  test("special tokens take the last ids and are never merged into", () => {
    const corpus = `${EXCERPT}<|endoftext|>${EXCERPT}`;
    const tok = trainByteLevelBpe(corpus, { vocabSize: 300, specialTokens: ["<|endoftext|>", "<|pad|>"] });
    assert.deepEqual([...tok.specialTokens], [["<|endoftext|>", 298], ["<|pad|>", 299]]);
    assert.ok(tok.merges.every(([l, r]) => !(l + r).includes("endoftext")));
    const ids = tok.encode(corpus, { allowedSpecial: "all" });
    assert.equal(ids.filter((id) => id === 298).length, 1);
    assert.equal(tok.decode(ids), corpus);
  });

  test("stops early when no pair is frequent enough", () => {
    const tok = trainByteLevelBpe("abcd abcd", { vocabSize: 1000, minFrequency: 2 });
    // Pairs ab, bc, cd (then abcd's pieces and Ġ) run out well before 1000.
    assert.ok(tok.vocabSize < 1000 && tok.vocabSize > 256);
    assert.equal(tok.decode(tok.encode("abcd abcd")), "abcd abcd");
    assert.equal(trainByteLevelBpe("abcd", { vocabSize: 300, minFrequency: 2 }).vocabSize, 256);
  });

  test("accepts a corpus split into documents", () => {
    const docs = EXCERPT.split("\n\n");
    const tok = trainByteLevelBpe(docs, { vocabSize: 280 });
    assert.equal(tok.vocabSize, 280);
    assert.equal(tok.decode(tok.encode(EXCERPT)), EXCERPT);
  });

  test("rejects bad options", () => {
    assert.throws(() => trainByteLevelBpe("abc", { vocabSize: 255 }), /vocabSize 255 must be an integer from 256/);
    assert.throws(() => trainByteLevelBpe("abc", { vocabSize: 256, specialTokens: ["<|a|>"] }), /from 257 \(256 byte tokens \+ 1 special tokens\)/);
    assert.throws(() => trainByteLevelBpe("abc", { vocabSize: 300.5 }), RangeError);
    assert.throws(() => trainByteLevelBpe("abc", { vocabSize: 300, minFrequency: 0 }), /minFrequency 0/);
    assert.throws(() => trainByteLevelBpe("abc", { vocabSize: 300, specialTokens: ["<|a|>", "<|a|>"] }), /distinct/);
    assert.throws(() => trainByteLevelBpe("abc", { vocabSize: 300, specialTokens: ["!"] }), /"!" is also an ordinary token/);
  });
});
