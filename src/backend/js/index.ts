import type { Backend } from "../kernels.js";
import { attention, attentionBackward } from "./attention.js";
import { binary, copy, unary, unaryBackward, where } from "./elementwise.js";
import { gemm } from "./gemm.js";
import { gather, indexAdd, indexSelect, scatter, scatterAdd } from "./indexing.js";
import { layerNorm, layerNormBackward } from "./layernorm.js";
import { adamStep, sgdStep } from "./optim.js";
import { reduce } from "./reduce.js";
import { softmax, softmaxBackward } from "./softmax.js";
import { conv2d, conv2dBackwardInput, conv2dBackwardWeight } from "./conv.js";
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from "./pool.js";

/** The reference backend: every kernel in plain TypeScript over typed arrays. */
export const jsBackend: Backend = {
  name: "js",
  copy, unary, unaryBackward, binary, where, reduce, gemm,
  softmax, softmaxBackward, layerNorm, layerNormBackward, attention, attentionBackward,
  conv2d, conv2dBackwardInput, conv2dBackwardWeight,
  maxPool2d, maxPool2dBackward, avgPool2d, avgPool2dBackward,
  indexSelect, indexAdd, gather, scatterAdd, scatter,
  sgdStep, adamStep,
};
