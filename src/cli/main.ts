#!/usr/bin/env node
/** The `lathe` command: one file per command under commands/. */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { registerDemo } from "./commands/demo.js";
import { registerDoctor } from "./commands/doctor.js";
import { registerEvaluate } from "./commands/evaluate.js";
import { registerInfo } from "./commands/info.js";
import { registerLm } from "./commands/lm.js";
import { registerPredict } from "./commands/predict.js";
import { registerServe } from "./commands/serve.js";
import { registerTrain } from "./commands/train.js";

const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };

const program = new Command()
  .name("lathe")
  .description("Deep learning for TypeScript on Node.js")
  .version(pkg.version);

registerDemo(program);
registerTrain(program);
registerEvaluate(program);
registerPredict(program);
registerServe(program);
registerInfo(program);
registerLm(program);
registerDoctor(program);

await program.parseAsync();
