import type { Tensor } from "../tensor/tensor.js";
import { Module } from "./module.js";

function checkModule(op: string, m: unknown, what: string): Module {
  if (!(m instanceof Module)) throw new TypeError(`${op}: ${what} is not a Module`);
  return m;
}

function checkKey(op: string, key: string): void {
  if (typeof key !== "string" || key === "" || key.includes(".")) {
    throw new TypeError(`${op}: key must be a non-empty string without ".", got ${JSON.stringify(key)}`);
  }
}

/** A position in [-length, length) as an index into the list, negative counting from the end. */
function wrapIndex(op: string, i: number, length: number): number {
  if (!Number.isInteger(i) || i < -length || i >= length) throw new RangeError(`${op}: index ${i} out of range for length ${length}`);
  return i < 0 ? i + length : i;
}

/**
 * Modules applied in order, each to the previous one's output. Children are named "0", "1",
 * … for positional arguments, or by the keys of an object (or Map) of named modules.
 */
export class Sequential extends Module {
  readonly #modules = new Map<string, Module>();

  constructor(...modules: Module[]);
  constructor(named: Record<string, Module> | Map<string, Module>);
  constructor(...args: (Module | Record<string, Module> | Map<string, Module>)[]) {
    super();
    const first = args[0];
    const named = first instanceof Map || (typeof first === "object" && first !== null && Object.getPrototypeOf(first) === Object.prototype);
    if (args.length === 1 && named) {
      const entries = first instanceof Map ? [...first] : Object.entries(first as Record<string, Module>);
      for (const [key, m] of entries) {
        checkKey("Sequential", key);
        this.#modules.set(key, checkModule("Sequential", m, `entry "${key}"`));
      }
    } else {
      args.forEach((m, i) => this.append(checkModule("Sequential", m, `argument ${i}`)));
    }
  }

  protected override ownEntries(): [string, unknown][] {
    return [...this.#modules, ...super.ownEntries()];
  }

  get length(): number {
    return this.#modules.size;
  }

  /** The module at a position (negative counts from the end) or with a name. */
  get(key: number | string): Module {
    if (typeof key === "string") {
      const m = this.#modules.get(key);
      if (!m) throw new RangeError(`Sequential: no module named ${JSON.stringify(key)}`);
      return m;
    }
    return [...this.#modules.values()][wrapIndex("Sequential", key, this.length)];
  }

  /** Adds a module at the end, named by its position. */
  append(module: Module): this {
    this.#modules.set(String(this.length), checkModule("Sequential.append", module, "argument"));
    return this;
  }

  [Symbol.iterator](): IterableIterator<Module> {
    return this.#modules.values();
  }

  forward(input: Tensor): Tensor {
    let x = input;
    for (const m of this.#modules.values()) x = m.forward(x);
    return x;
  }
}

/** A list of modules, registered as children "0", "1", …; it has no forward of its own. */
export class ModuleList extends Module {
  readonly #items: Module[] = [];

  constructor(modules: Iterable<Module> = []) {
    super();
    this.extend(modules);
  }

  protected override ownEntries(): [string, unknown][] {
    return [...this.#items.map((m, i): [string, Module] => [String(i), m]), ...super.ownEntries()];
  }

  get length(): number {
    return this.#items.length;
  }

  /** The module at a position, negative counting from the end. */
  get(index: number): Module {
    return this.#items[wrapIndex("ModuleList.get", index, this.length)];
  }

  set(index: number, module: Module): this {
    this.#items[wrapIndex("ModuleList.set", index, this.length)] = checkModule("ModuleList.set", module, "module");
    return this;
  }

  append(module: Module): this {
    this.#items.push(checkModule("ModuleList.append", module, "module"));
    return this;
  }

  /** Array-style append of any number of modules; returns the new length. */
  push(...modules: Module[]): number {
    for (const m of modules) this.append(m);
    return this.length;
  }

  extend(modules: Iterable<Module>): this {
    for (const m of modules) this.append(m);
    return this;
  }

  /** Inserts before position index (clamped to the list, as PyTorch's insert); later modules are renumbered. */
  insert(index: number, module: Module): this {
    const n = this.length;
    const at = index < 0 ? Math.max(0, index + n) : Math.min(index, n);
    this.#items.splice(at, 0, checkModule("ModuleList.insert", module, "module"));
    return this;
  }

  [Symbol.iterator](): IterableIterator<Module> {
    return this.#items.values();
  }

  forward(): never {
    throw new Error("ModuleList has no forward(): iterate over it and call its modules");
  }
}

/** Modules by name, kept in insertion order; it has no forward of its own. */
export class ModuleDict extends Module {
  readonly #items = new Map<string, Module>();

  constructor(modules: Record<string, Module> | Iterable<[string, Module]> = {}) {
    super();
    this.update(modules);
  }

  protected override ownEntries(): [string, unknown][] {
    return [...this.#items, ...super.ownEntries()];
  }

  get size(): number {
    return this.#items.size;
  }

  get(key: string): Module | undefined {
    return this.#items.get(key);
  }

  set(key: string, module: Module): this {
    checkKey("ModuleDict.set", key);
    this.#items.set(key, checkModule("ModuleDict.set", module, `entry "${key}"`));
    return this;
  }

  has(key: string): boolean {
    return this.#items.has(key);
  }

  delete(key: string): boolean {
    return this.#items.delete(key);
  }

  /** Adds or replaces entries from an object, a Map or [key, module] pairs. */
  update(modules: Record<string, Module> | Iterable<[string, Module]>): this {
    const entries = Symbol.iterator in modules ? modules as Iterable<[string, Module]> : Object.entries(modules);
    for (const [key, m] of entries) this.set(key, m);
    return this;
  }

  keys(): IterableIterator<string> {
    return this.#items.keys();
  }

  values(): IterableIterator<Module> {
    return this.#items.values();
  }

  entries(): IterableIterator<[string, Module]> {
    return this.#items.entries();
  }

  [Symbol.iterator](): IterableIterator<[string, Module]> {
    return this.#items.entries();
  }

  forward(): never {
    throw new Error("ModuleDict has no forward(): look its modules up and call them");
  }
}
