import type { Backend } from "./kernels.js";
import { jsBackend } from "./js/index.js";
import { loadAddon, nativeBackend } from "./native/index.js";

export type { Backend, BinaryOp, UnaryOp, DiffUnaryOp, ReduceOp, Conv2dGeometry, ConvEpilogue, Pool2dGeometry, AttentionGeometry, AttentionView } from "./kernels.js";
export { jsBackend };

const loaded = loadAddon();
const addon = loaded.addon;

/** The native kernels when the addon loaded, else null (tests compare them with jsBackend). */
export const nativeKernels: Backend | null = addon ? nativeBackend(addon) : null;

const wanted = process.env.LATHE_BACKEND;
if (!nativeKernels && wanted !== "js") {
  // Said once, at first use: everything works, only slower.
  process.stderr.write(`lathe: running on the TypeScript kernels (native backend unavailable: ${loaded.error})\n`);
}

/**
 * The active kernels. A live binding: `setBackend` swaps it for every importer, so ops
 * always call `K.<kernel>` at run time rather than caching a reference. Native when the
 * addon loaded, unless LATHE_BACKEND=js.
 */
export let K: Backend = nativeKernels && wanted !== "js" ? nativeKernels : jsBackend;

export function setBackend(b: Backend): void {
  K = b;
}

/** What `backend` reports and controls; see docs/NATIVE.md. */
export interface BackendInfo {
  /** The kernels in use: "native" (the C++ addon) or "js" (TypeScript). */
  readonly name: "native" | "js";
  /** The addon's instruction-set level ("avx512", "avx2" or "scalar"), null without the addon. */
  readonly isa: string | null;
  /** The best level this CPU supports, null without the addon. */
  readonly bestIsa: string | null;
  /** Threads the native kernels use (1 without the addon). */
  readonly threads: number;
  /** Why the addon did not load; undefined when it did. */
  readonly loadError: string | undefined;
  /**
   * The FP32 FMA peak in GFLOP/s of a register-only loop at the current ISA level, run on
   * `threads` threads at once (default: all) for about `seconds` (default 0.2); null
   * without the addon.
   */
  measurePeakGflops(opts?: { threads?: number; seconds?: number }): number | null;
  /** Lowers (or restores) the ISA level, as LATHE_ISA does at load; false if the CPU lacks it. */
  setIsa(isa: "avx512" | "avx2" | "scalar"): boolean;
  /** Sets the native thread count (as LATHE_NUM_THREADS does at load); returns it. */
  setThreads(n: number): number;
}

export const backend: BackendInfo = {
  get name() {
    return K.name === "native" ? "native" : "js";
  },
  get isa() {
    return addon ? addon.isa() : null;
  },
  get bestIsa() {
    return addon ? addon.bestIsa() : null;
  },
  get threads() {
    return addon ? addon.numThreads() : 1;
  },
  get loadError() {
    return loaded.error;
  },
  measurePeakGflops(opts = {}) {
    if (!addon) return null;
    return addon.peakGflops(opts.seconds ?? 0.2, opts.threads ?? addon.numThreads());
  },
  setIsa(isa) {
    return addon ? addon.setIsa(isa) : false;
  },
  setThreads(n) {
    return addon ? addon.setNumThreads(n) : 1;
  },
};
