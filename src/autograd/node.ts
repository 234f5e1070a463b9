import type { Tensor } from "../tensor/tensor.js";
import { isGradEnabled } from "./grad_mode.js";

/** Returns the gradient for each input (null where an input needs none). */
export type BackwardFn = (gradOutput: Tensor) => (Tensor | null)[];

/** What a backward rule promises the engine, so that it can sum gradients in place. */
export interface RecordOptions {
  /** Every gradient the rule returns is a new tensor that nothing else holds. */
  freshGrads?: boolean;
  /**
   * For a single-input op: adds the input's gradient for `gradOutput` into `target` (a
   * contiguous tensor of the input's shape that the engine owns) in place, without
   * materialising it. Slices use it so that the pieces of a split sum into one buffer.
   */
  addInto?: (gradOutput: Tensor, target: Tensor) => void;
}

/**
 * One recorded op in the graph: the inputs it was applied to and the closure that maps the
 * output's gradient to theirs. The closure holds the saved tensors; backward() drops it
 * afterwards (unless asked to retain the graph), which frees them.
 */
export class Node {
  private backwardFn: BackwardFn | null;
  private addIntoFn: RecordOptions["addInto"] | null;
  readonly freshGrads: boolean;

  constructor(
    readonly name: string,
    readonly inputs: readonly Tensor[],
    backwardFn: BackwardFn,
    opts: RecordOptions = {},
  ) {
    this.backwardFn = backwardFn;
    this.addIntoFn = opts.addInto ?? null;
    this.freshGrads = opts.freshGrads ?? false;
  }

  apply(gradOutput: Tensor): (Tensor | null)[] {
    return this.#live()(gradOutput);
  }

  /** True when addInto() can stand in for apply() (see RecordOptions.addInto). */
  get canAddInto(): boolean {
    return this.addIntoFn !== null;
  }

  addInto(gradOutput: Tensor, target: Tensor): void {
    this.#live();
    this.addIntoFn!(gradOutput, target);
  }

  release(): void {
    this.backwardFn = null;
  }

  #live(): BackwardFn {
    if (!this.backwardFn) {
      throw new Error(
        `backward: trying to backward through the graph a second time (${this.name}'s saved tensors were freed); ` +
          "pass {retainGraph: true} to the first backward() call",
      );
    }
    return this.backwardFn;
  }
}

/** True when an op on these inputs must be recorded. */
export function needsGrad(...inputs: (Tensor | null | undefined)[]): boolean {
  if (!isGradEnabled()) return false;
  for (const t of inputs) if (t && t.requiresGrad) return true;
  return false;
}

/**
 * Attaches the autograd node to an op's output when any input requires a gradient. Inputs
 * that need no gradient get null from the backward rule's result, whatever it computed.
 */
export function record(name: string, out: Tensor, inputs: readonly Tensor[], backward: BackwardFn, opts?: RecordOptions): Tensor {
  if (!needsGrad(...inputs)) return out;
  out.gradFn = new Node(name, inputs, backward, opts);
  out.requiresGrad = true;
  return out;
}
