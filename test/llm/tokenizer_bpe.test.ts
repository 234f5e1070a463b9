import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { BpeTokenizer, BYTE_TO_CHAR } from "../../src/llm/tokenizer/index.js";

/** The 256 byte tokens, ids in GPT-2's order (code-point order of their characters). */
function byteVocab(): Map<string, number> {
  const chars = [...BYTE_TO_CHAR].sort((a, b) => a.charCodeAt(0) - b.charCodeAt(0));
  return new Map(chars.map((c, id) => [c, id]));
}

/** GPT-2's bpe() as written in OpenAI's encoder.py: the specification applyMerges must meet. */
function referenceBpe(word: string[], merges: Array<[string, string]>): string[] {
  const ranks = new Map(merges.map(([a, b], r) => [`${a} ${b}`, r]));
  for (;;) {
    let best: [string, string] | null = null;
    let bestRank = Infinity;
    for (let i = 0; i + 1 < word.length; i++) {
      const r = ranks.get(`${word[i]} ${word[i + 1]}`);
      if (r !== undefined && r < bestRank) [best, bestRank] = [[word[i], word[i + 1]], r];
    }
    if (best === null) return word;
    const next: string[] = [];
    for (let i = 0; i < word.length; i++) {
      if (i + 1 < word.length && word[i] === best[0] && word[i + 1] === best[1]) next.push(word[i] + word[i++ + 1]);
      else next.push(word[i]);
    }
    word = next;
  }
}

function rng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
}

describe("byte-level BPE merge loop", () => {
  test("matches GPT-2's bpe() on random merge tables, including out-of-order ones", () => {
    const random = rng(3);
    for (let table = 0; table < 40; table++) {
      // Random merges over "abc", then shuffled, so some rules use tokens of later rules.
      const vocab = byteVocab();
      const tokens = ["a", "b", "c"];
      const merges: Array<[string, string]> = [];
      const seen = new Set<string>();
      while (merges.length < 12) {
        const l = tokens[Math.floor(random() * tokens.length)];
        const r = tokens[Math.floor(random() * tokens.length)];
        if (seen.has(`${l} ${r}`) || (l + r).length > 6) continue;
        seen.add(`${l} ${r}`);
        merges.push([l, r]);
        if (!vocab.has(l + r)) {
          vocab.set(l + r, vocab.size);
          tokens.push(l + r);
        }
      }
      for (let i = merges.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [merges[i], merges[j]] = [merges[j], merges[i]];
      }
      const tok = new BpeTokenizer({ vocab, merges });
      for (let w = 0; w < 30; w++) {
        const word = Array.from({ length: 1 + Math.floor(random() * 14) }, () => "abc"[Math.floor(random() * 3)]);
        const expected = referenceBpe(word, merges).map((t) => vocab.get(t));
        assert.deepEqual([...tok.encode(word.join(""))], expected, `${word.join("")} with ${JSON.stringify(merges)}`);
      }
    }
  });
});

describe("BpeTokenizer files", () => {
  const vocab = byteVocab();
  vocab.set("ab", 256);
  vocab.set("\u0120ab", 257);
  vocab.set("<|endoftext|>", 258);
  const merges: Array<[string, string]> = [["a", "b"], ["\u0120", "ab"]];

  test("save writes vocab.json + merges.txt atomically, and load reads them back", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "lathe-bpe-")), "tok");
    const tok = new BpeTokenizer({ vocab, merges });
    tok.save(dir);
    tok.save(dir); // overwriting is fine too
    assert.deepEqual(readdirSync(dir).sort(), ["merges.txt", "vocab.json"]);
    assert.equal(readFileSync(join(dir, "merges.txt"), "utf8"), "#version: 0.2\na b\n\u0120 ab\n");
    const back = BpeTokenizer.load(dir);
    assert.deepEqual([...back.vocab].sort((a, b) => a[1] - b[1]), [...vocab]);
    assert.deepEqual([...back.specialTokens], [["<|endoftext|>", 258]]);
    assert.deepEqual([...back.encode("ab ab<|endoftext|>", { allowedSpecial: "all" })], [256, 257, 258]);
  });

  test("explicit specialTokens override the <|name|> default", () => {
    const v = new Map(vocab);
    v.set("[PAD]", 259);
    const tok = new BpeTokenizer({ vocab: v, merges, specialTokens: ["[PAD]"] });
    assert.deepEqual([...tok.specialTokens], [["[PAD]", 259]]);
    // "<|endoftext|>" is now an ordinary (if unreachable) vocabulary entry.
    assert.equal(tok.decode([258, 259]), "<|endoftext|>[PAD]");
  });

  function loadError(vocabText: string, mergesText: string): Error {
    const dir = mkdtempSync(join(tmpdir(), "lathe-bpe-"));
    writeFileSync(join(dir, "vocab.json"), vocabText);
    writeFileSync(join(dir, "merges.txt"), mergesText);
    try {
      BpeTokenizer.load(dir);
    } catch (e) {
      return e as Error;
    }
    assert.fail("expected load to fail");
  }
  const vocabJson = JSON.stringify(Object.fromEntries(vocab));

  test("names the file and line of a malformed merge", () => {
    const e = loadError(vocabJson, "#version: 0.2\na b\na  b\n");
    assert.match(e.message, /merges\.txt line 3: expected two tokens separated by one space, got "a  b"/);
  });

  test("rejects merges with unknown or special tokens, and duplicates", () => {
    assert.match(loadError(vocabJson, "a b\nb c\n").message, /merge 2 \("b" "c"\): the token "bc" is not in the vocabulary/);
    assert.match(loadError(vocabJson, "a b\na b\n").message, /merge 2 \("a" "b"\): duplicates merge 1/);
    const v = { ...Object.fromEntries(vocab), "<|endoftext|>a": 259 };
    assert.match(loadError(JSON.stringify(v), "<|endoftext|> a\n").message, /special tokens cannot take part in merges/);
  });

  test("rejects broken vocabularies", () => {
    assert.ok(loadError("{not json", "") instanceof SyntaxError);
    assert.match(loadError("[1, 2]", "").message, /expected a JSON object/);
    const missingByte = Object.fromEntries([...vocab].filter(([t]) => t !== "A"));
    assert.match(loadError(JSON.stringify(missingByte), "").message, /lacks the token "A" \(U\+0041\) for byte 65/);
    assert.match(loadError(JSON.stringify({ ...Object.fromEntries(vocab), x: 0 }), "").message, /tokens "!" and "x" share id 0/);
    assert.match(loadError(JSON.stringify({ ...Object.fromEntries(vocab), x: -3 }), "").message, /has id -3/);
    const foreign = { ...Object.fromEntries(vocab), "a b": 300 };
    assert.match(loadError(JSON.stringify(foreign), "").message, /token "a b" \(id 300\) has the character " " \(U\+0020\)/);
  });
});
