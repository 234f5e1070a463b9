import { type ConvFusion, type ConvPadding, conv1d, conv2d } from "../ops/functional.js";
import { empty } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { ntupleMin } from "../ops/nn_args.js";
import { checkInt } from "./args.js";
import { resetAffine } from "./linear.js";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";
import { fmtArg } from "./repr.js";

export interface ConvOptions {
  stride?: number | readonly number[];
  /** Zero padding per side, or "valid" (none) or "same" (output size = input size; stride 1 only). */
  padding?: ConvPadding;
  dilation?: number | readonly number[];
  groups?: number;
  bias?: boolean;
  /** Only "zeros" is supported. */
  paddingMode?: "zeros";
}

/** What Conv1d and Conv2d share: argument checks, the OIHW-style weight, init and repr. */
abstract class ConvNd extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[] | "same" | "valid";
  readonly dilation: number[];
  readonly groups: number;
  readonly paddingMode: "zeros";
  weight: Parameter;
  bias: Parameter | null;

  constructor(name: string, n: number, inChannels: number, outChannels: number, kernelSize: number | readonly number[], opts: ConvOptions) {
    super();
    checkInt(name, "inChannels", inChannels);
    checkInt(name, "outChannels", outChannels);
    const groups = opts.groups ?? 1;
    checkInt(name, "groups", groups, 1);
    if (inChannels % groups !== 0) throw new RangeError(`${name}: inChannels (${inChannels}) must be divisible by groups (${groups})`);
    if (outChannels % groups !== 0) throw new RangeError(`${name}: outChannels (${outChannels}) must be divisible by groups (${groups})`);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = ntupleMin(kernelSize, n, 1, name, "kernelSize");
    this.stride = ntupleMin(opts.stride ?? 1, n, 1, name, "stride");
    this.dilation = ntupleMin(opts.dilation ?? 1, n, 1, name, "dilation");
    this.groups = groups;
    const padding = opts.padding ?? 0;
    if (typeof padding === "string") {
      if (padding !== "same" && padding !== "valid") throw new TypeError(`${name}: padding must be a number, a list, "same" or "valid", got ${JSON.stringify(padding)}`);
      if (padding === "same" && this.stride.some((s) => s !== 1)) throw new RangeError(`${name}: padding "same" is not supported for strided convolutions`);
      this.padding = padding;
    } else {
      this.padding = ntupleMin(padding, n, 0, name, "padding");
    }
    const paddingMode = opts.paddingMode ?? "zeros";
    if (paddingMode !== "zeros") throw new TypeError(`${name}: paddingMode ${JSON.stringify(paddingMode)} is not supported (only "zeros")`);
    this.paddingMode = paddingMode;
    this.weight = new Parameter(empty([outChannels, inChannels / groups, ...this.kernelSize]));
    this.bias = opts.bias ?? true ? new Parameter(empty([outChannels])) : null;
    this.resetParameters();
  }

  /** PyTorch's default: kaiming-uniform with a = √5, i.e. U(-1/√fanIn, 1/√fanIn) for weight and bias. */
  resetParameters(): void {
    resetAffine(this.weight, this.bias);
  }

  protected convOptions() {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups };
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernelSize=${fmtArg(this.kernelSize)}, stride=${fmtArg(this.stride)}`;
    if (typeof this.padding === "string" || this.padding.some((p) => p !== 0)) s += `, padding=${fmtArg(this.padding)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${fmtArg(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ", bias=false";
    return s;
  }
}

/** 1-d convolution over [N, C, L] (or [C, L]); weight [outChannels, inChannels/groups, k]. */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly number[], opts: ConvOptions = {}) {
    super("Conv1d", 1, inChannels, outChannels, kernelSize, opts);
  }

  forward(x: Tensor): Tensor {
    return conv1d(x, this.weight, this.bias, this.convOptions());
  }
}

/** 2-d convolution over NCHW (or CHW); weight [outChannels, inChannels/groups, kh, kw]. */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly number[], opts: ConvOptions = {}) {
    super("Conv2d", 2, inChannels, outChannels, kernelSize, opts);
  }

  /**
   * `fused` applies a ReLU and/or max pooling in the convolution's pass (see ConvFusion):
   * `conv.forward(x, { activation: "relu", maxPool: 2 })` is `maxPool2d(conv.forward(x).relu(), 2)`.
   */
  forward(x: Tensor, fused: ConvFusion = {}): Tensor {
    return conv2d(x, this.weight, this.bias, { ...this.convOptions(), ...fused });
  }
}
