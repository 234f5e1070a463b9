import { enableGrad } from "../autograd/grad_mode.js";
import { Tensor } from "../tensor/tensor.js";
import { fmtShape, shapesEqual } from "../tensor/shape.js";
import { checkNonNegative, cloneValue, gradValues, updateInPlace, withDefaults } from "./util.js";

/** Options every param group carries; each optimizer adds its own (momentum, betas, …). */
export interface GroupOptions {
  lr: number;
  maximize: boolean;
}

/**
 * One param group: its parameters and its own copy of every option. LR schedulers keep
 * their bookkeeping here too (initialLr, maxLr, …), as PyTorch does, so it is saved and
 * restored with the optimizer.
 */
export type ParamGroup<O extends GroupOptions = GroupOptions> = O & { params: Tensor[]; [key: string]: unknown };

/** A param group as the user gives it: parameters plus any options that differ from the defaults. */
export type ParamGroupInput<O extends GroupOptions = GroupOptions> = Partial<O> & { params: Iterable<Tensor> | Tensor };

/** Per-parameter state (momentum buffers, moment estimates, step counts), with PyTorch's key names. */
export type ParamState = Record<string, Tensor | number>;

/**
 * PyTorch's optimizer state-dict layout: parameters are numbered in group order, `state` is
 * keyed by that number and each group lists its numbers in place of its tensors. Everything
 * but the state tensors is plain JSON.
 */
export interface OptimizerStateDict {
  state: Record<number, ParamState>;
  param_groups: (Record<string, unknown> & { params: number[] })[];
}

/**
 * Base class of the optimizers: param groups with their own options, per-parameter state,
 * zeroGrad/step, and state dicts. A subclass states its defaults, validates a group, and
 * updates one parameter from its gradient. Parameters whose .grad is null are skipped.
 */
export abstract class Optimizer<O extends GroupOptions = GroupOptions> {
  readonly defaults: O;
  readonly paramGroups: ParamGroup<O>[] = [];
  readonly state = new Map<Tensor, ParamState>();

  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput<O>>, defaults: O) {
    this.defaults = defaults;
    if (params instanceof Tensor || params === null || typeof params !== "object" || !(Symbol.iterator in params)) {
      throw new TypeError(`${this.name}: params must be an iterable of tensors or of param groups`);
    }
    const list = Array.from(params as Iterable<Tensor | ParamGroupInput<O>>);
    if (list.length === 0) throw new RangeError(`${this.name}: got an empty parameter list`);
    const groups = list[0] instanceof Tensor ? [{ params: list as Tensor[] }] : list;
    for (const g of groups) this.addParamGroup(g as ParamGroupInput<O>);
  }

  /** The optimizer's class name, for error messages. */
  get name(): string {
    return this.constructor.name;
  }

  /** Adds a group (e.g. layers unfrozen while fine-tuning); options it omits come from the defaults. */
  addParamGroup(input: ParamGroupInput<O>): void {
    if (input === null || typeof input !== "object" || input instanceof Tensor || !("params" in input)) {
      throw new TypeError(`${this.name}: a param group must be an object with a 'params' list`);
    }
    const { params, ...options } = input;
    const merged = withDefaults(`${this.name} param group`, options, this.defaults);
    const list = params instanceof Tensor ? [params] : Array.from(params);
    const taken = new Set(this.paramGroups.flatMap((g) => g.params));
    list.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new TypeError(`${this.name}: parameter ${i} of a param group is not a Tensor`);
      if (p.dtype !== "float32") throw new TypeError(`${this.name}: parameters must be float32, got ${p.dtype} of shape ${fmtShape(p.shape)}`);
      if (!p.isLeaf && !p.retainsGrad) throw new RangeError(`${this.name}: can't optimize a non-leaf tensor (shape ${fmtShape(p.shape)})`);
      if (taken.has(p)) throw new RangeError(`${this.name}: a parameter of shape ${fmtShape(p.shape)} appears twice or in more than one param group`);
      taken.add(p);
    });
    const group = { ...merged, params: list } as ParamGroup<O>;
    this.checkGroup(group);
    this.paramGroups.push(group);
  }

  /** Clears gradients: sets them to null (the default, as PyTorch 2), or fills them with zeros. */
  zeroGrad(setToNone = true): void {
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        if (!p.grad) continue;
        if (setToNone) p.grad = null;
        else updateInPlace(p.grad, (g) => g.fill(0));
      }
    }
  }

  /**
   * One update of every parameter that has a gradient. `closure`, when given, runs first with
   * gradients enabled (it should zero the gradients, compute the loss and call backward) and
   * its return value (the loss) is returned. Closures must be synchronous.
   */
  step<L>(closure?: () => L): L | undefined {
    const loss = closure ? enableGrad(closure) : undefined;
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        if (!p.grad) continue;
        const g = gradValues(p, group.maximize);
        let state = this.state.get(p);
        if (!state) this.state.set(p, (state = {}));
        const s = state;
        updateInPlace(p, (data) => this.update(p, data, g, group, s));
      }
    }
    return loss;
  }

  /**
   * A snapshot of options and state in PyTorch's layout. As in PyTorch, the state tensors are
   * the optimizer's own (not copies): save or copy them before stepping again.
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map(({ params, ...options }) => ({
      ...cloneValue(options),
      params: params.map((p) => {
        index.set(p, index.size);
        return index.size - 1;
      }),
    }));
    const state: Record<number, ParamState> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i !== undefined) state[i] = { ...s };
    }
    return { state, param_groups: paramGroups };
  }

  /**
   * Restores options and state saved by stateDict() into this optimizer's parameters, which
   * must have the same group sizes. Everything is copied; on a bad dict nothing changes.
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const saved = sd?.param_groups;
    if (!Array.isArray(saved) || sd.state === null || typeof sd.state !== "object") {
      throw new TypeError(`${this.name}.loadStateDict: expected { state, param_groups }`);
    }
    if (saved.length !== this.paramGroups.length) {
      throw new RangeError(`${this.name}.loadStateDict: the state dict has ${saved.length} param groups, the optimizer has ${this.paramGroups.length}`);
    }
    const byIndex = new Map<number, Tensor>();
    const groups = saved.map((g, gi) => {
      const current = this.paramGroups[gi].params;
      if (!Array.isArray(g.params) || g.params.length !== current.length) {
        throw new RangeError(`${this.name}.loadStateDict: param group ${gi} has ${g.params?.length} parameters in the state dict, ${current.length} in the optimizer`);
      }
      g.params.forEach((idx, k) => byIndex.set(idx, current[k]));
      const { params: _, ...options } = g;
      const group = { ...cloneValue(options), params: current } as ParamGroup<O>;
      this.checkGroup(group);
      return group;
    });
    const state = new Map<Tensor, ParamState>();
    for (const [key, s] of Object.entries(sd.state)) {
      const p = byIndex.get(Number(key));
      if (!p) throw new RangeError(`${this.name}.loadStateDict: state for parameter ${key}, which no param group lists`);
      for (const [name, v] of Object.entries(s)) {
        if (v instanceof Tensor && !shapesEqual(v.shape, p.shape)) {
          throw new RangeError(`${this.name}.loadStateDict: state '${name}' of parameter ${key} has shape ${fmtShape(v.shape)}, the parameter has ${fmtShape(p.shape)}`);
        }
      }
      state.set(p, cloneValue(s));
    }
    this.paramGroups.splice(0, this.paramGroups.length, ...groups);
    this.state.clear();
    for (const [p, s] of state) this.state.set(p, s);
  }

  /** Throws on invalid options of one group; lr >= 0 is checked here for every optimizer. */
  protected checkGroup(group: ParamGroup<O>): void {
    if (group.lr === undefined) {
      throw new TypeError(`${this.name}: lr is required (pass { lr } or give every param group its own lr)`);
    }
    checkNonNegative(this.name, "lr", group.lr);
  }

  /**
   * Updates one parameter in place. `p` is its contiguous float32 data (written back by the
   * caller when the tensor is a strided view), `g` its gradient, already negated when the
   * group maximizes; `state` starts empty.
   */
  protected abstract update(param: Tensor, p: Float32Array, g: Float32Array, group: ParamGroup<O>, state: ParamState): void;
}

/** A state tensor as its Float32Array: state tensors are always fresh and contiguous (created here or cloned on load). */
export function stateData(state: ParamState, key: string): Float32Array {
  return (state[key] as Tensor).data as Float32Array;
}
