import type { Command } from "commander";
import { backend } from "../../backend/index.js";

/** `lathe doctor`: what Lathe runs on here, and why when the native kernels are missing. */
export function registerDoctor(program: Command): void {
  program
    .command("doctor")
    .description("print the backend, CPU instruction set, threads and measured FMA peak")
    .option("--json", "print one JSON object")
    .action((opts: { json?: boolean }) => {
      const peak1 = backend.measurePeakGflops({ threads: 1 });
      const peakAll = backend.measurePeakGflops();
      const info = {
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
        backend: backend.name,
        nativeAddon: backend.loadError === undefined ? "loaded" : `not loaded: ${backend.loadError}`,
        isa: backend.isa,
        bestIsa: backend.bestIsa,
        threads: backend.threads,
        peakGflops1Thread: peak1,
        peakGflopsAllThreads: peakAll,
      };
      if (opts.json) {
        console.log(JSON.stringify(info));
        return;
      }
      const fmt = (v: number | null) => (v === null ? "n/a (no native addon)" : `${v.toFixed(1)} GFLOP/s`);
      console.log(`node          ${info.node} (${info.platform})`);
      console.log(`backend       ${info.backend}`);
      console.log(`native addon  ${info.nativeAddon}`);
      console.log(`ISA           ${info.isa ?? "n/a"}${info.bestIsa && info.bestIsa !== info.isa ? ` (CPU supports ${info.bestIsa})` : ""}`);
      console.log(`threads       ${info.threads}`);
      console.log(`FMA peak      ${fmt(peak1)} on 1 thread, ${fmt(peakAll)} on ${info.threads}`);
    });
}
