import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { integer } from "../args.js";
import { action, confusionLines, formatMetric, note, print, printJson, withCommonOptions } from "../output.js";
import { trainTabular } from "../tabular_train.js";
import { runConfig, trainJson } from "./train.js";

/** data/ at the repository (or installed package) root, found from this file's location. */
const DATA = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..", "data", "breast_cancer.csv");

/** A path as the user would type it from here: relative when that is shorter. */
function shortPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.length < path.length ? rel : path;
}

export function registerDemo(program: Command): void {
  const cmd = program
    .command("demo")
    .description("train a medical-diagnosis model on the bundled breast-cancer data, report its test metrics and save it")
    .option("--epochs <n>", "training epochs (early stopping may stop sooner)", integer, 50)
    .option("--seed <n>", "random seed", integer, 0)
    .option("--out <dir>", "the bundle directory to write", "lathe-demo");
  withCommonOptions(cmd).action(
    action(async (flags: { epochs: number; seed: number; out: string; json?: boolean }) => {
      const data = shortPath(DATA);
      if (!flags.json) {
        print("Lathe demo: diagnosing breast tumours from 30 measurements of their cell nuclei");
        print(`(Wisconsin Diagnostic Breast Cancer, 569 patients, ${data}; diagnosis 0 = malignant, 1 = benign)`);
      }
      // The demo is `lathe train` on the bundled data with the default config: the same path a user's CSV takes.
      const r = await trainTabular({
        data: DATA, target: "diagnosis", out: flags.out, config: runConfig({ seed: flags.seed, epochs: flags.epochs }), resume: false, log: note,
      });
      if (flags.json) {
        printJson(trainJson(r, { data }));
        return;
      }
      const t = r.metrics.test;
      const correct = Math.round(t.accuracy * r.rows.test);
      print(`test accuracy ${(100 * t.accuracy).toFixed(1)}% (${correct}/${r.rows.test} patients held out from training), ROC-AUC ${formatMetric(t.rocAuc)}`);
      print(`precision ${formatMetric(t.precision)}  recall ${formatMetric(t.recall)}  F1 ${formatMetric(t.f1)}  PR-AUC ${formatMetric(t.prAuc)}  log-loss ${formatMetric(t.logLoss)}`);
      print("confusion matrix on the test patients (0 = malignant, 1 = benign):");
      for (const line of confusionLines(r.test.confusionMatrix!)) print(`  ${line}`);
      print(`saved the model bundle to ${r.bundle} (${r.parameters} parameters, ${r.epochs} epochs, ${r.seconds.toFixed(1)} s); report: ${r.report}`);
      print("");
      print("next:");
      print(`  lathe info ${r.bundle}`);
      print(`  lathe evaluate ${r.bundle} --data ${data}`);
      print(`  lathe predict ${r.bundle} --data ${data} --out predictions.csv`);
      print(`  lathe serve ${r.bundle}`);
    }),
  );
}
