import { flatten, unflatten } from "../ops/functional.js";
import type { Tensor } from "../tensor/tensor.js";
import { Module } from "./module.js";
import { fmtArg } from "./repr.js";

/** Flattens dims startDim..endDim into one; the default keeps the batch dim, as between conv and linear layers. */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
  }

  forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}

/** Splits dim into unflattenedSize (one entry may be -1). */
export class Unflatten extends Module {
  readonly unflattenedSize: number[];

  constructor(readonly dim: number, unflattenedSize: readonly number[]) {
    super();
    if (!Array.isArray(unflattenedSize) || !unflattenedSize.every((s) => Number.isInteger(s) && (s >= 0 || s === -1))) {
      throw new TypeError(`Unflatten: unflattenedSize must be a list of sizes, got ${JSON.stringify(unflattenedSize)}`);
    }
    this.unflattenedSize = unflattenedSize.slice();
  }

  forward(x: Tensor): Tensor {
    return unflatten(x, this.dim, this.unflattenedSize);
  }

  override extraRepr(): string {
    return `dim=${this.dim}, unflattenedSize=${fmtArg(this.unflattenedSize)}`;
  }
}
