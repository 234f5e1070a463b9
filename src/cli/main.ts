#!/usr/bin/env node
/** The `lathe` command. */
import { readFileSync } from "node:fs";
import { Command, InvalidArgumentError } from "commander";

const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected a non-negative integer");
  return n;
}

const program = new Command()
  .name("lathe")
  .description("Deep learning for TypeScript on Node.js")
  .version(pkg.version);

program
  .command("demo")
  .description("train the bundled breast-cancer MLP end to end and report its test accuracy")
  .option("--epochs <n>", "training epochs", integer, 50)
  .option("--seed <n>", "random seed", integer, 0)
  .action(async (opts: { epochs: number; seed: number }) => {
    // The demo is the tabular example itself, so what `lathe demo` runs is what examples/ shows.
    const { main } = await import("../../examples/breast_cancer_mlp.js");
    main(opts.epochs, opts.seed);
  });

await program.parseAsync();
