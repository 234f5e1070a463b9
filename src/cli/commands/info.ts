import type { Command } from "commander";
import { loadModel } from "../../io/bundle.js";
import { action, describeArchitecture, metricsLine, print, printJson, withCommonOptions } from "../output.js";

export function registerInfo(program: Command): void {
  const cmd = program
    .command("info")
    .description("describe a model bundle: task, architecture, parameter count, features, training and metrics")
    .argument("<bundle>", "the model bundle directory");
  withCommonOptions(cmd).action(
    action(async (bundle: string, flags: { json?: boolean }) => {
      // Loading in full (not just reading lathe.json) checks that the bundle is usable.
      const model = await loadModel(bundle);
      const m = model.manifest;
      if (flags.json) {
        printJson({
          bundle, task: m.task, target: m.target.name, labels: m.labels, architecture: m.architecture, parameters: m.weights.parameters,
          features: m.features.columns, dropped: m.features.dropped, inputs: model.preprocess.featureNames.length,
          training: m.training, metrics: m.metrics, format: { name: m.format, version: m.version },
        });
        return;
      }
      const t = m.training;
      const types = new Map<string, number>();
      for (const c of m.features.columns) types.set(c.type, (types.get(c.type) ?? 0) + 1);
      print(`bundle      ${bundle} (${m.format} version ${m.version}, written by Lathe ${t.latheVersion ?? "?"})`);
      print(`task        ${m.task} of "${m.target.name}"${m.labels ? ` into ${m.labels.map(String).join(", ")}` : ""}`);
      print(`model       ${describeArchitecture(m.architecture)}, ${m.weights.parameters} parameters`);
      print(`features    ${m.features.columns.length} columns (${[...types].map(([k, n]) => `${n} ${k}`).join(", ")}) → ${model.preprocess.featureNames.length} inputs`);
      for (const d of m.features.dropped) print(`dropped     ${d.name}: ${d.reason}`);
      if (t.finishedAt) print(`trained     ${t.finishedAt} on ${t.data}, ${t.epochs} epochs (weights of epoch ${t.bestEpoch}), seed ${t.seed}`);
      for (const [split, values] of Object.entries(m.metrics)) print(`${split.padEnd(11)} ${metricsLine(values)}`);
    }),
  );
}
