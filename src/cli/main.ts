#!/usr/bin/env node
/** The `lathe` command: one file per command under commands/. */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { registerDemo } from "./commands/demo.js";

const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };

const program = new Command()
  .name("lathe")
  .description("Deep learning for TypeScript on Node.js")
  .version(pkg.version);

registerDemo(program);

await program.parseAsync();
