import { noGrad } from "../autograd/grad_mode.js";
import { copy_, zero_ } from "../ops/inplace.js";
import { detach } from "../ops/view.js";
import { fmtShape, shapesEqual } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { Parameter } from "./parameter.js";
import { indentTail } from "./repr.js";

export interface LoadStateDictOptions {
  /** Require the keys to match exactly (default true). Shape mismatches are errors either way. */
  strict?: boolean;
  /**
   * Take the state dict's tensors as the parameters and buffers instead of copying into them,
   * as PyTorch's `assign=True`: no second copy of the weights (loading a checkpoint). Each
   * parameter keeps its requiresGrad; a tensor given for several keys becomes one parameter.
   * Optimizers built before the load still hold the old parameters.
   */
  assign?: boolean;
}

export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** A state-dict key, its tensor, and the module attribute that holds it. */
type StateEntry = [key: string, tensor: Tensor, owner: Module, name: string];

/**
 * Base class of every layer and model, as torch.nn.Module.
 *
 * Subclasses declare their state as class fields: a field holding a Module is a child, a
 * field holding a Parameter is a parameter, found in definition order when asked for (the
 * fields only exist after the subclass constructor has run, so nothing is collected
 * eagerly). Arrays are not searched; use ModuleList. A plain Tensor assigned where a
 * Parameter was is just an attribute (PyTorch would refuse it): wrap it in Parameter.
 * Buffers (non-learnable state such as BatchNorm's running statistics) are plain tensors, so
 * they are declared explicitly with registerBuffer().
 */
export abstract class Module {
  /** Train or eval mode; set with train()/eval(), read by Dropout and BatchNorm. */
  training = true;
  /** Names of registered buffers, in registration order; the tensors live on the fields. */
  readonly #buffers = new Set<string>();
  /** Buffers left out of stateDict(). */
  readonly #nonPersistent = new Set<string>();

  abstract forward(...args: any[]): any;

  /**
   * The module's own attributes in definition order, where parameters and children are
   * found. Containers override it to list the modules they hold.
   */
  protected ownEntries(): [string, unknown][] {
    return Object.entries(this);
  }

  #ownParameters(): [string, Parameter][] {
    return this.ownEntries().filter((e): e is [string, Parameter] => e[1] instanceof Parameter && !this.#buffers.has(e[0]));
  }

  #ownChildren(): [string, Module][] {
    return this.ownEntries().filter((e): e is [string, Module] => e[1] instanceof Module);
  }

  #ownBuffers(persistentOnly = false): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const name of this.#buffers) {
      const t = (this as Record<string, unknown>)[name];
      if (t instanceof Tensor && !(persistentOnly && this.#nonPersistent.has(name))) out.push([name, t]);
    }
    return out;
  }

  /** Throws unless `name` can hold a new registered attribute: a fresh name, or one already of this kind. */
  #checkName(op: string, name: string, isSameKind: (v: unknown) => boolean): void {
    if (typeof name !== "string" || name === "" || name.includes(".")) {
      throw new TypeError(`${op}: name must be a non-empty string without ".", got ${JSON.stringify(name)}`);
    }
    // An undefined own field is a TypeScript declaration (`pe!: Tensor`) waiting for its value.
    const current = (this as Record<string, unknown>)[name];
    if (name in this && current !== undefined && !isSameKind(current)) {
      throw new TypeError(`${op}: attribute "${name}" already exists on ${this.constructor.name}`);
    }
  }

  /**
   * Adds a buffer: state saved in stateDict() (unless `persistent` is false) but not trained,
   * such as BatchNorm's running_mean. It is readable as `this[name]`; assigning that field
   * later replaces the buffer's tensor. A null buffer is left out until it is given a tensor.
   */
  registerBuffer(name: string, tensor: Tensor | null, persistent = true): void {
    this.#checkName("registerBuffer", name, () => this.#buffers.has(name));
    if (tensor instanceof Parameter) throw new TypeError(`registerBuffer: "${name}" is a Parameter; use registerParameter`);
    if (tensor !== null && !(tensor instanceof Tensor)) throw new TypeError(`registerBuffer: "${name}" must be a Tensor or null`);
    this.#buffers.add(name);
    if (persistent) this.#nonPersistent.delete(name);
    else this.#nonPersistent.add(name);
    (this as Record<string, unknown>)[name] = tensor;
  }

  /** Adds a parameter under a computed name (a class field does the same for a fixed one). */
  registerParameter(name: string, param: Parameter | null): void {
    this.#checkName("registerParameter", name, (v) => v === null || v instanceof Parameter);
    if (param !== null && !(param instanceof Parameter)) throw new TypeError(`registerParameter: "${name}" must be a Parameter or null`);
    (this as Record<string, unknown>)[name] = param;
  }

  /** Adds a child module under a computed name (a class field does the same for a fixed one). */
  registerModule(name: string, module: Module | null): void {
    this.#checkName("registerModule", name, (v) => v === null || v instanceof Module);
    if (module !== null && !(module instanceof Module)) throw new TypeError(`registerModule: "${name}" must be a Module or null`);
    (this as Record<string, unknown>)[name] = module;
  }

  /** This module and all below it, each once, with dotted names ("" for this one). */
  namedModules(prefix = ""): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const visit = (m: Module, p: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([p, m]);
      for (const [name, child] of m.#ownChildren()) visit(child, p ? `${p}.${name}` : name);
    };
    visit(this, prefix);
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map((e) => e[1]);
  }

  /** The direct children, each once. */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    for (const [name, m] of this.#ownChildren()) {
      if (seen.has(m)) continue;
      seen.add(m);
      out.push([name, m]);
    }
    return out;
  }

  children(): Module[] {
    return this.namedChildren().map((e) => e[1]);
  }

  /** Collects one kind of member over the modules, each tensor once (a shared one under its first name). */
  #namedMembers<T extends Tensor>(own: (m: Module) => [string, T][], prefix: string, recurse: boolean): [string, T][] {
    const out: [string, T][] = [];
    const seen = new Set<Tensor>();
    const mods: [string, Module][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [mp, m] of mods) {
      for (const [name, t] of own(m)) {
        if (seen.has(t)) continue;
        seen.add(t);
        out.push([mp ? `${mp}.${name}` : name, t]);
      }
    }
    return out;
  }

  /** Parameters with PyTorch's dotted names (`fc1.weight`, `features.0.bias`), each once. */
  namedParameters(prefix = "", recurse = true): [string, Parameter][] {
    return this.#namedMembers((m) => m.#ownParameters(), prefix, recurse);
  }

  parameters(recurse = true): Parameter[] {
    return this.namedParameters("", recurse).map((e) => e[1]);
  }

  /** Buffers (persistent or not) with dotted names, each once. */
  namedBuffers(prefix = "", recurse = true): [string, Tensor][] {
    return this.#namedMembers((m) => m.#ownBuffers(), prefix, recurse);
  }

  buffers(recurse = true): Tensor[] {
    return this.namedBuffers("", recurse).map((e) => e[1]);
  }

  /**
   * The tensors stateDict() holds, not detached, with the module and attribute that hold
   * each. As in PyTorch each module lists its parameters, then its persistent buffers, then
   * its children's entries, and a tensor shared between modules appears under every name.
   */
  #stateEntries(prefix: string, out: StateEntry[]): StateEntry[] {
    for (const [name, p] of this.#ownParameters()) out.push([prefix + name, p, this, name]);
    for (const [name, b] of this.#ownBuffers(true)) out.push([prefix + name, b, this, name]);
    for (const [name, child] of this.#ownChildren()) child.#stateEntries(`${prefix}${name}.`, out);
    return out;
  }

  /**
   * Parameters and persistent buffers by PyTorch's keys (`conv1.weight`, `bn.running_mean`).
   * The tensors share storage with the module's but are detached from autograd.
   * num_batches_tracked is int32 here (PyTorch stores int64).
   */
  stateDict(): Record<string, Tensor> {
    const sd: Record<string, Tensor> = {};
    for (const [key, t] of this.#stateEntries("", [])) sd[key] = detach(t);
    return sd;
  }

  /**
   * Copies the values of `stateDict` into this module's parameters and buffers, in place.
   * Every key is checked before anything is copied, so a failed load leaves the module as it
   * was (PyTorch copies the matching keys before it raises). A shape mismatch always throws;
   * missing or unexpected keys throw when `strict` (the default) and are returned otherwise.
   */
  loadStateDict(stateDict: Record<string, Tensor>, opts: LoadStateDictOptions = {}): LoadStateDictResult {
    const strict = opts.strict ?? true;
    const entries = this.#stateEntries("", []);
    const own = new Set(entries.map((e) => e[0]));
    const missingKeys = entries.map((e) => e[0]).filter((k) => !Object.hasOwn(stateDict, k));
    const unexpectedKeys = Object.keys(stateDict).filter((k) => !own.has(k));
    const errors: string[] = [];
    if (strict && missingKeys.length) errors.push(`missing keys: ${missingKeys.map((k) => JSON.stringify(k)).join(", ")}`);
    if (strict && unexpectedKeys.length) errors.push(`unexpected keys: ${unexpectedKeys.map((k) => JSON.stringify(k)).join(", ")}`);
    for (const [key, target] of entries) {
      if (!Object.hasOwn(stateDict, key)) continue;
      const src = stateDict[key];
      if (!(src instanceof Tensor)) throw new TypeError(`loadStateDict: value for "${key}" is not a Tensor`);
      if (!shapesEqual(src.shape, target.shape)) {
        errors.push(`size mismatch for ${key}: shape ${fmtShape(src.shape)} in the state dict, ${fmtShape(target.shape)} in the model`);
      } else if (opts.assign && src.dtype !== target.dtype) {
        errors.push(`dtype mismatch for ${key}: ${src.dtype} in the state dict, ${target.dtype} in the model (assign does not convert)`);
      }
    }
    if (errors.length) {
      throw new Error(`loadStateDict: cannot load the state dict into ${this.constructor.name}:\n  ${errors.join("\n  ")}`);
    }
    if (opts.assign) {
      const assigned = new Map<Tensor, Tensor>();
      for (const [key, target, owner, name] of entries) {
        if (!Object.hasOwn(stateDict, key)) continue;
        const src = stateDict[key];
        let value = assigned.get(src);
        if (!value) {
          value = target instanceof Parameter ? new Parameter(detach(src), target.requiresGrad) : detach(src);
          assigned.set(src, value);
        }
        (owner as unknown as Record<string, unknown>)[name] = value;
      }
    } else {
      noGrad(() => {
        for (const [key, target] of entries) if (Object.hasOwn(stateDict, key)) copy_(target, stateDict[key]);
      });
    }
    return { missingKeys, unexpectedKeys };
  }

  /** Calls fn on every submodule (children first, recursively) and then on this one, as torch's apply. */
  apply(fn: (m: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  /** Sets train mode (true) or eval mode (false) on this module and all below it. */
  train(mode = true): this {
    if (typeof mode !== "boolean") throw new TypeError(`train: mode must be a boolean, got ${typeof mode}`);
    this.training = mode;
    for (const child of this.children()) child.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Clears the parameters' gradients: drops them (the default, as PyTorch 2) or fills them with zeros. */
  zeroGrad(setToNone = true): void {
    for (const p of this.parameters()) {
      if (!p.grad) continue;
      if (setToNone) p.grad = null;
      else noGrad(() => zero_(p.grad!));
    }
  }

  /** Sets requiresGrad on every parameter: false freezes the module. */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad = requiresGrad;
    return this;
  }

  /** The number of parameter elements, each shared parameter counted once. */
  numParameters(opts: { trainableOnly?: boolean } = {}): number {
    let n = 0;
    for (const p of this.parameters()) if (!opts.trainableOnly || p.requiresGrad) n += p.numel();
    return n;
  }

  /** The constructor arguments shown by toString(), e.g. `30, 128, bias=true`; subclasses override. */
  extraRepr(): string {
    return "";
  }

  /** The module tree in the layout of PyTorch's repr. */
  toString(): string {
    const extra = this.extraRepr();
    const extraLines = extra ? extra.split("\n") : [];
    const childLines = this.#ownChildren().map(([name, m]) => `(${name}): ${indentTail(m.toString(), 2)}`);
    const lines = [...extraLines, ...childLines];
    let body = "";
    if (extraLines.length === 1 && childLines.length === 0) body = extraLines[0];
    else if (lines.length) body = `\n  ${lines.join("\n  ")}\n`;
    return `${this.constructor.name}(${body})`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}
