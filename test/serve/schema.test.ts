import assert from "node:assert/strict";
import { test } from "node:test";
import { type FeatureSpec, compileValidator } from "../../src/serve/index.js";

const FEATURES: FeatureSpec[] = [
  { name: "age", type: "numeric", acceptsMissing: true },
  { name: "income", type: "numeric", acceptsMissing: false },
  { name: "color", type: "categorical", categories: ["blue", "green", "red"], acceptsUnknownCategories: false, acceptsMissing: false },
  { name: "city", type: "categorical", categories: ["Lima", "Oslo"], acceptsUnknownCategories: true, acceptsMissing: true },
  { name: "member", type: "boolean", acceptsMissing: true },
  { name: "since", type: "date", acceptsMissing: true },
];
const validate = compileValidator(FEATURES);
const good = { age: 30, income: 1000, color: "red", city: "Oslo", member: true, since: "2021-03-04" };

/** The error for one bad instance placed second, after a good one. */
function rejection(instance: unknown) {
  const r = validate([good, instance]);
  assert.equal(r.ok, false, "the bad instance was accepted");
  return (r as Extract<typeof r, { ok: false }>).error;
}

test("objects and positional arrays with the model's features pass, as the same instances", () => {
  const r = validate([good, [30, 1000, "red", "Oslo", true, "2021-03-04"]]);
  assert.ok(r.ok);
  assert.deepEqual(r.rows[0], r.rows[1]);
  assert.deepEqual(r.rows[0], good);
});

test("null passes where the model imputes, and unknown categories where the encoder ignores them", () => {
  const r = validate([{ ...good, age: null, city: "Paris", member: null, since: null }]);
  assert.ok(r.ok);
  assert.equal(r.rows[0].city, "Paris");
});

test("categories are keyed as text: a number names the category of the same digits", () => {
  const v = compileValidator([{ name: "grade", type: "categorical", categories: ["1", "2"], acceptsUnknownCategories: false }]);
  const r = v([{ grade: 2 }]);
  assert.ok(r.ok);
  assert.equal(r.rows[0].grade, "2");
});

test("each kind of bad instance is named by row and field", () => {
  const cases: [unknown, string | null, RegExp][] = [
    [{ ...good, shoe: 42 }, "shoe", /unknown feature "shoe"; the model's features are age, income/],
    [(({ income: _, ...rest }) => rest)(good), "income", /missing feature/],
    [{ ...good, income: "1000" }, "income", /expected a number, got "1000"/],
    [{ ...good, income: true }, "income", /expected a number, got true/],
    [{ ...good, income: [1] }, "income", /expected a number, got an array/],
    [{ ...good, income: { v: 1 } }, "income", /expected a number, got an object/],
    [{ ...good, income: Infinity }, "income", /not finite/],
    [{ ...good, income: -Infinity }, "income", /not finite/],
    [{ ...good, income: NaN }, "income", /not finite/],
    [{ ...good, income: 1e39 }, "income", /out of range: the model computes in float32/],
    [{ ...good, income: null }, "income", /missing value \(null\) is not accepted/],
    [{ ...good, color: "pink" }, "color", /unknown category "pink"; the model accepts only the categories seen in training \("blue", "green", "red"\)/],
    [{ ...good, color: null }, "color", /missing value/],
    [{ ...good, color: { a: 1 } }, "color", /expected a category/],
    [{ ...good, member: "yes" }, "member", /expected true or false, got "yes"/],
    [{ ...good, member: 1 }, "member", /expected true or false/],
    [{ ...good, since: "yesterday" }, "since", /expected a date string/],
    [{ ...good, since: "2021-02-30" }, "since", /expected a date string/],
    [{ ...good, since: 1614816000000 }, "since", /expected a date string/],
    [[30, 1000, "red"], null, /expected an array of 6 values in feature order \(age, income, color, city, member, since\), got 3/],
    [[30, "x", "red", "Oslo", true, "2021-03-04"], "income", /expected a number/],
    ["age=30", null, /expected an object \{feature: value\} or an array of 6 values, got "age=30"/],
    [42, null, /got 42/],
    [null, null, /got null/],
  ];
  for (const [instance, field, message] of cases) {
    const e = rejection(instance);
    assert.equal(e.row, 1, JSON.stringify(instance));
    assert.equal(e.field, field, JSON.stringify(instance));
    assert.match(e.message, message);
    assert.ok(e.message.startsWith(`instances[1]${field === null ? "" : `.${field}`}: `), e.message);
  }
});

test("messages stay short whatever the client sent", () => {
  const long = "x".repeat(100_000);
  let deep: unknown = 1;
  for (let i = 0; i < 10_000; i++) deep = [deep];
  for (const instance of [{ [long]: 1 }, { ...good, color: long }, { ...good, income: long }, { ...good, income: deep }]) {
    const e = rejection(instance);
    assert.ok(e.message.length < 400, `${e.message.length} characters`);
  }
});

test("a feature named __proto__ is an ordinary field", () => {
  const v = compileValidator([{ name: "__proto__", type: "numeric" }]);
  const r = v([JSON.parse('{"__proto__": 3}')]);
  assert.ok(r.ok);
  assert.equal(Object.getOwnPropertyDescriptor(r.rows[0], "__proto__")?.value, 3);
});
