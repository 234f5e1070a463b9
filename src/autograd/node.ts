import type { Tensor } from "../tensor/tensor.js";
import { isGradEnabled } from "./grad_mode.js";

/** Returns the gradient for each input (null where an input needs none). */
export type BackwardFn = (gradOutput: Tensor) => (Tensor | null)[];

/**
 * One recorded op in the graph: the inputs it was applied to and the closure that maps the
 * output's gradient to theirs. The closure holds the saved tensors; backward() drops it
 * afterwards (unless asked to retain the graph), which frees them.
 */
export class Node {
  private backwardFn: BackwardFn | null;

  constructor(
    readonly name: string,
    readonly inputs: readonly Tensor[],
    backwardFn: BackwardFn,
  ) {
    this.backwardFn = backwardFn;
  }

  apply(gradOutput: Tensor): (Tensor | null)[] {
    if (!this.backwardFn) {
      throw new Error(
        `backward: trying to backward through the graph a second time (${this.name}'s saved tensors were freed); ` +
          "pass {retainGraph: true} to the first backward() call",
      );
    }
    return this.backwardFn(gradOutput);
  }

  release(): void {
    this.backwardFn = null;
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
export function record(name: string, out: Tensor, inputs: readonly Tensor[], backward: BackwardFn): Tensor {
  if (!needsGrad(...inputs)) return out;
  out.gradFn = new Node(name, inputs, backward);
  out.requiresGrad = true;
  return out;
}
