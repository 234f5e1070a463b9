import type { Command } from "commander";
import { integer } from "../args.js";

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("train the bundled breast-cancer MLP end to end and report its test accuracy")
    .option("--epochs <n>", "training epochs", integer, 50)
    .option("--seed <n>", "random seed", integer, 0)
    .action(async (opts: { epochs: number; seed: number }) => {
      // The demo is the tabular example itself, so what `lathe demo` runs is what examples/ shows.
      const { main } = await import("../../../examples/breast_cancer_mlp.js");
      main(opts.epochs, opts.seed);
    });
}
