import { K } from "../backend/index.js";
import { allocate, allocateUninit, dropRecycledStorage, recycleStorage } from "../tensor/dtype.js";
import { fmtShape, shapesEqual } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { noGrad } from "./grad_mode.js";

export interface BackwardOptions {
  /** Keep the graph's saved tensors so backward can run through it again. */
  retainGraph?: boolean;
}

/**
 * Reverse-mode differentiation from `root`: walks the graph in reverse topological order,
 * summing the gradients that reach each tensor, and accumulates into `.grad` of leaves
 * (and of tensors that called retainGrad()). Gradients are not themselves recorded.
 */
export function backward(root: Tensor, gradient?: Tensor, opts: BackwardOptions = {}): void {
  if (!root.requiresGrad) {
    throw new Error("backward: the tensor does not require grad and has no gradFn (did you call it inside noGrad, or on a detached tensor?)");
  }
  if (gradient === undefined) {
    if (root.numel() !== 1) {
      throw new Error(`backward: a gradient must be given for a non-scalar output of shape ${fmtShape(root.shape)}`);
    }
    gradient = new Tensor(allocate("float32", 1).fill(1), root.shape);
  } else if (!shapesEqual(gradient.shape, root.shape)) {
    throw new RangeError(`backward: gradient shape ${fmtShape(gradient.shape)} does not match output shape ${fmtShape(root.shape)}`);
  } else if (gradient.dtype !== "float32") {
    throw new TypeError(`backward: the gradient must be float32, got ${gradient.dtype}`);
  }
  const order = topoOrder(root);
  const grads = new Map<Tensor, Tensor>([[root, gradient]]);
  // Pending gradients that only the engine holds (its own sums, and the fresh results of rules
  // that promise them): later gradients are added into these in place.
  const owned = new Set<Tensor>();
  // Once a rule has used an owned gradient and returned nothing that shares its storage, the
  // storage is dead: later gradients of its size reuse it (see recycleStorage); when the call
  // ends, what is left is offered weakly to the next forward's allocations.
  try {
    noGrad(() => run(order, grads, owned, opts));
  } finally {
    dropRecycledStorage();
  }
}

/** The reverse pass over `order` (see backward), in no-grad mode. */
function run(order: Tensor[], grads: Map<Tensor, Tensor>, owned: Set<Tensor>, opts: BackwardOptions): void {
  // Storage of an owned gradient that a rule handed back to several inputs as it is (an add's
  // rule): the number of pending gradients that still refer to it. Nothing else holds it, so
  // when the count reaches 0 (each holder used it without handing it on) it is dead and is
  // recycled. Never summed into in place while shared.
  const shared = new Map<ArrayBufferLike, number>();
  const touched: Tensor[] = [];
  const release = (x: Tensor) => {
    const n = shared.get(x.data.buffer);
    if (n === undefined) return;
    shared.set(x.data.buffer, n - 1);
    touched.push(x);
  };
  for (let i = order.length - 1; i >= 0; i--) {
    const t = order[i];
    const g = grads.get(t);
    if (!g) continue;
    grads.delete(t);
    const mine = owned.delete(g); // a rule may pass g on to its inputs as it is
    const node = t.gradFn;
    // A leaf's first gradient that nothing else holds becomes its .grad without a copy.
    if (!node && mine && t.grad === null && g.isContiguous()) t.grad = g;
    else if (!node || t.retainsGrad) accumulateInto(t, g);
    if (!node) {
      release(g);
      settle(shared, touched);
      continue;
    }
    const only = node.inputs.length === 1 && node.inputs[0].requiresGrad ? node.inputs[0] : null;
    const pending = only ? grads.get(only) : undefined;
    if (pending && owned.has(pending) && pending.isContiguous() && node.canAddInto) {
      node.addInto(g, pending);
      if (!opts.retainGraph) node.release();
      if (mine) recycleStorage(g.data);
      release(g);
      settle(shared, touched);
      continue;
    }
    const inputGrads = node.apply(g);
    if (!opts.retainGraph) node.release();
    // An owned g that comes back as one view (a reshape's rule) stays owned as that view; one
    // that comes back several times is shared, counted by the pending gradients that hold it.
    const aliases = mine ? inputGrads.filter((ig) => ig !== null && ig.data.buffer === g.data.buffer) : [];
    const heir = aliases.length === 1 ? aliases[0] : null;
    if (aliases.length > 1 && ownsStorage(g)) shared.set(g.data.buffer, 0);
    else release(g); // g's own reference ends here (its views handed back count for themselves)
    touched.push(g);
    node.inputs.forEach((inp, k) => {
      const ig = inputGrads[k];
      if (!ig || !inp.requiresGrad) return;
      if (!shapesEqual(ig.shape, inp.shape)) {
        throw new Error(`backward: ${node.name} produced a gradient of shape ${fmtShape(ig.shape)} for an input of shape ${fmtShape(inp.shape)}`);
      }
      const prev = grads.get(inp);
      const fresh = (node.freshGrads || ig === heir) && ownsStorage(ig);
      if (!prev) {
        grads.set(inp, ig);
        if (fresh) owned.add(ig);
        const n = shared.get(ig.data.buffer);
        if (n !== undefined) shared.set(ig.data.buffer, n + 1);
      } else if (owned.has(prev) && prev.isContiguous()) {
        K.binary("add", prev, ig, prev.shape, prev.data);
        if (fresh) recycleStorage(ig.data);
      } else if (fresh && ig.isContiguous()) {
        K.binary("add", ig, prev, ig.shape, ig.data);
        grads.set(inp, ig);
        owned.add(ig);
        release(prev);
      } else {
        const s = sum(prev, ig);
        owned.add(s);
        grads.set(inp, s);
        release(prev);
      }
    });
    if (mine && aliases.length === 0) recycleStorage(g.data);
    // Only now: a count can touch 0 and rise again while the inputs above are handed theirs.
    settle(shared, touched);
  }
}

/** Recycles the storage of the shared gradients in `touched` that nothing holds any more. */
function settle(shared: Map<ArrayBufferLike, number>, touched: Tensor[]): void {
  for (const x of touched) {
    if (shared.get(x.data.buffer) === 0) {
      shared.delete(x.data.buffer);
      recycleStorage(x.data);
    }
  }
  touched.length = 0;
}

/** Tensors reachable from root through gradFn, inputs before the ops that used them. */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>([root]);
  const stack: [Tensor, number][] = [[root, 0]];
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const inputs = t.gradFn ? t.gradFn.inputs : [];
    if (i < inputs.length) {
      top[1]++;
      const inp = inputs[i];
      if (inp.requiresGrad && !seen.has(inp)) {
        seen.add(inp);
        stack.push([inp, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order;
}

/**
 * True when t covers its storage exactly once, in any order of dims (a fresh gradient stored
 * transposed, as attention's): nothing outside t can live in it. In-place sums and adopted
 * .grads also need it contiguous.
 */
function ownsStorage(t: Tensor): boolean {
  if (t.offset !== 0 || t.data.length !== t.numel()) return false;
  const dims = t.shape.map((n, d) => [n, t.strides[d]]).filter(([n]) => n !== 1).sort((a, b) => a[1] - b[1]);
  let span = 1;
  for (const [n, stride] of dims) {
    if (stride !== span) return false;
    span *= n;
  }
  return true;
}

function sum(a: Tensor, b: Tensor): Tensor {
  const out = allocateUninit("float32", a.numel());
  K.binary("add", a, b, a.shape, out);
  return new Tensor(out, a.shape);
}

/** .grad gets its own contiguous storage the first time, then is added to in place (a user-set strided .grad is replaced). */
function accumulateInto(t: Tensor, g: Tensor): void {
  if (t.grad !== null && (!t.grad.isContiguous() || t.grad.offset !== 0)) {
    t.grad = sum(t.grad, g);
  } else if (t.grad === null) {
    const out = allocateUninit("float32", g.numel());
    K.copy(g, new Tensor(out, g.shape));
    t.grad = new Tensor(out, g.shape);
  } else {
    K.binary("add", t.grad, g, t.grad.shape, t.grad.data);
  }
}
