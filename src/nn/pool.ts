import { type AvgPoolOptions, type MaxPoolOptions, adaptiveAvgPool2d, avgPool1d, avgPool2d, maxPool1d, maxPool2d } from "../ops/functional.js";
import type { Tensor } from "../tensor/tensor.js";
import { ntupleMin } from "../ops/nn_args.js";
import { Module } from "./module.js";
import { fmtArg } from "./repr.js";

type IntOrList = number | readonly number[];

/** Max pooling's arguments, kept as given (as PyTorch does) after checking them. */
abstract class MaxPoolNd extends Module {
  readonly kernelSize: IntOrList;
  readonly stride: IntOrList;
  readonly padding: IntOrList;
  readonly dilation: IntOrList;
  readonly ceilMode: boolean;

  constructor(name: string, n: number, kernelSize: IntOrList, opts: MaxPoolOptions) {
    super();
    this.kernelSize = kernelSize;
    this.stride = opts.stride ?? kernelSize;
    this.padding = opts.padding ?? 0;
    this.dilation = opts.dilation ?? 1;
    this.ceilMode = opts.ceilMode ?? false;
    const k = ntupleMin(kernelSize, n, 1, name, "kernelSize");
    ntupleMin(this.stride, n, 1, name, "stride");
    ntupleMin(this.dilation, n, 1, name, "dilation");
    if (ntupleMin(this.padding, n, 0, name, "padding").some((p, i) => p > k[i] / 2)) {
      throw new RangeError(`${name}: padding ${fmtArg(this.padding)} must be at most half of kernelSize ${fmtArg(kernelSize)}`);
    }
  }

  protected poolOptions(): MaxPoolOptions {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode };
  }

  override extraRepr(): string {
    return `kernelSize=${fmtArg(this.kernelSize)}, stride=${fmtArg(this.stride)}, padding=${fmtArg(this.padding)}, ` +
      `dilation=${fmtArg(this.dilation)}, ceilMode=${this.ceilMode}`;
  }
}

/** Max over kernelSize windows of [N, C, L] or [C, L]. */
export class MaxPool1d extends MaxPoolNd {
  constructor(kernelSize: IntOrList, opts: MaxPoolOptions = {}) {
    super("MaxPool1d", 1, kernelSize, opts);
  }

  forward(x: Tensor): Tensor {
    return maxPool1d(x, this.kernelSize, this.poolOptions());
  }
}

/** Max over kernelSize windows of [N, C, H, W] or [C, H, W]; stride defaults to kernelSize. */
export class MaxPool2d extends MaxPoolNd {
  constructor(kernelSize: IntOrList, opts: MaxPoolOptions = {}) {
    super("MaxPool2d", 2, kernelSize, opts);
  }

  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.poolOptions());
  }
}

/** Average pooling's arguments, kept as given after checking them. */
abstract class AvgPoolNd extends Module {
  readonly kernelSize: IntOrList;
  readonly stride: IntOrList;
  readonly padding: IntOrList;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;

  constructor(name: string, n: number, kernelSize: IntOrList, opts: AvgPoolOptions) {
    super();
    this.kernelSize = kernelSize;
    this.stride = opts.stride ?? kernelSize;
    this.padding = opts.padding ?? 0;
    this.ceilMode = opts.ceilMode ?? false;
    this.countIncludePad = opts.countIncludePad ?? true;
    const k = ntupleMin(kernelSize, n, 1, name, "kernelSize");
    ntupleMin(this.stride, n, 1, name, "stride");
    if (ntupleMin(this.padding, n, 0, name, "padding").some((p, i) => p > k[i] / 2)) {
      throw new RangeError(`${name}: padding ${fmtArg(this.padding)} must be at most half of kernelSize ${fmtArg(kernelSize)}`);
    }
  }

  protected poolOptions(): AvgPoolOptions {
    return { stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad };
  }

  override extraRepr(): string {
    return `kernelSize=${fmtArg(this.kernelSize)}, stride=${fmtArg(this.stride)}, padding=${fmtArg(this.padding)}`;
  }
}

/** Mean over kernelSize windows of [N, C, L] or [C, L]. */
export class AvgPool1d extends AvgPoolNd {
  constructor(kernelSize: IntOrList, opts: AvgPoolOptions = {}) {
    super("AvgPool1d", 1, kernelSize, opts);
  }

  forward(x: Tensor): Tensor {
    return avgPool1d(x, this.kernelSize, this.poolOptions());
  }
}

/** Mean over kernelSize windows of [N, C, H, W] or [C, H, W]; stride defaults to kernelSize. */
export class AvgPool2d extends AvgPoolNd {
  constructor(kernelSize: IntOrList, opts: AvgPoolOptions = {}) {
    super("AvgPool2d", 2, kernelSize, opts);
  }

  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.poolOptions());
  }
}

/** Averages [N, C, H, W] down to outputSize whatever the input size (null keeps that dim). */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: number | readonly (number | null)[]) {
    super();
    const sizes = typeof outputSize === "number" ? [outputSize, outputSize] : outputSize;
    if (sizes.length !== 2 || !sizes.every((s) => s === null || (Number.isInteger(s) && s >= 1))) {
      throw new RangeError(`AdaptiveAvgPool2d: outputSize must be a positive integer or a list of 2 (each may be null), got ${JSON.stringify(outputSize)}`);
    }
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `outputSize=${fmtArg(this.outputSize)}`;
  }
}
