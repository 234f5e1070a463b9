import type { Command } from "commander";
import { loadModel } from "../../io/bundle.js";
import { evaluateTable } from "../evaluation.js";
import { action, confusionLines, metricsLine, note, print, printJson, withCommonOptions } from "../output.js";

export function registerEvaluate(program: Command): void {
  const cmd = program
    .command("evaluate")
    .description("score a model bundle on a labelled CSV file (one that has the target column)")
    .argument("<bundle>", "the model bundle directory")
    .requiredOption("--data <file>", "the CSV file to score, with the target column");
  withCommonOptions(cmd).action(
    action(async (bundle: string, flags: { data: string; json?: boolean }) => {
      const model = await loadModel(bundle);
      const table = await model.readCsv(flags.data, { withTarget: true });
      const e = evaluateTable(model, table, { log: note });
      if (flags.json) {
        printJson({
          bundle, task: model.task, target: model.target, data: flags.data, rows: e.rows,
          // The rows given are scored as a held-out set, so they are reported as the test split.
          metrics: { test: e.metrics },
          ...(e.confusionMatrix ? { confusionMatrix: e.confusionMatrix } : {}),
        });
        return;
      }
      print(`${flags.data} (${e.rows} rows): ${metricsLine(e.metrics)}`);
      if (e.confusionMatrix) for (const line of confusionLines(e.confusionMatrix)) print(`  ${line}`);
    }),
  );
}
