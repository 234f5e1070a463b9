import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/**
 * The compiled addon (native/*.cc, built into build/Release/lathe.node). Numbers travel
 * through the registered Float64Array parameter block; typed arrays are passed as
 * arguments and used in place. Each binding's block layout is documented beside it in
 * native/bind_*.cc and filled in backend.ts.
 */
type Arr = Float32Array | Int32Array | Uint8Array;
export interface Addon {
  readonly paramCount: number;
  init(params: Float64Array): void;
  isa(): string;
  bestIsa(): string;
  setIsa(name: string): boolean;
  numThreads(): number;
  setNumThreads(n: number): number;
  peakGflops(seconds: number, threads: number): number;
  gemm(a: Float32Array, b: Float32Array, c: Float32Array, bias?: Float32Array | null): void;
  conv2d(x: Float32Array, w: Float32Array, bias: Float32Array | null, out: Float32Array, indices: Int32Array | null): void;
  conv2dBackwardInput(gOut: Float32Array, w: Float32Array, gx: Float32Array): void;
  conv2dBackwardWeight(gOut: Float32Array, x: Float32Array, gw: Float32Array): void;
  unary(x: Float32Array, out: Float32Array): void;
  unaryBackward(x: Float32Array, y: Float32Array, g: Float32Array, out: Float32Array): void;
  binary(a: Float32Array, b: Float32Array, out: Float32Array | Uint8Array): void;
  where(cond: Uint8Array, a: Arr, b: Arr, out: Arr): void;
  copy(src: Arr, dst: Arr): void;
  reduce(x: Float32Array, out: Float32Array | Int32Array): void;
  softmax(x: Float32Array, out: Float32Array): void;
  softmaxBackward(y: Float32Array, g: Float32Array, out: Float32Array): void;
  layerNorm(x: Float32Array, w: Float32Array | null, b: Float32Array | null, out: Float32Array, mean: Float32Array, rstd: Float32Array): void;
  layerNormBackward(
    g: Float32Array, x: Float32Array, w: Float32Array | null, mean: Float32Array, rstd: Float32Array,
    gx: Float32Array, gw: Float32Array | null, gb: Float32Array | null,
  ): void;
  attention(q: Float32Array, k: Float32Array, v: Float32Array, out: Float32Array, lse: Float32Array): void;
  attentionBackward(
    q: Float32Array, k: Float32Array, v: Float32Array, out: Float32Array, gOut: Float32Array, lse: Float32Array,
    gq: Float32Array, gk: Float32Array, gv: Float32Array,
  ): void;
  maxPool2d(x: Float32Array, out: Float32Array, indices: Int32Array): void;
  maxPool2dBackward(gOut: Float32Array, indices: Int32Array, gx: Float32Array): void;
  avgPool2d(x: Float32Array, out: Float32Array): void;
  avgPool2dBackward(gOut: Float32Array, gx: Float32Array): void;
  indexSelect(x: Arr, index: Int32Array, out: Arr): void;
  indexAdd(g: Float32Array, index: Int32Array, gx: Float32Array): void;
  gather(x: Arr, index: Int32Array, out: Arr): void;
  scatterAdd(g: Float32Array, index: Int32Array, gx: Float32Array): void;
  scatter(src: Arr, index: Int32Array, out: Arr): void;
  sgdStep(p: Float32Array, g: Float32Array, buf: Float32Array | null): void;
  adamStep(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, vMax: Float32Array | null): void;
}

export type LoadResult = { addon: Addon; error?: undefined } | { addon?: undefined; error: string };

/** The repository (or installed package) root, four levels above dist/src/backend/native. */
const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

/** Loads build/Release/lathe.node, or says why it could not. */
export function loadAddon(): LoadResult {
  const path = `${ROOT}build/Release/lathe.node`;
  if (!existsSync(path)) {
    // native/build.mjs leaves the reason a build failed here (its first line).
    const errorFile = `${ROOT}build/native-error.txt`;
    const why = existsSync(errorFile) ? readFileSync(errorFile, "utf8").split("\n")[0] : "the addon has not been built";
    return { error: `${why} (run \`npm run build:native\` to build it)` };
  }
  try {
    return { addon: createRequire(import.meta.url)(path) as Addon };
  } catch (e) {
    return { error: `build/Release/lathe.node failed to load: ${(e as Error).message}` };
  }
}
