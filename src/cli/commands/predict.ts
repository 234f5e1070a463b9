import { extname } from "node:path";
import type { Command } from "commander";
import { cellValue } from "../../data/table.js";
import { writeFileAtomic } from "../../io/atomic.js";
import { loadModel } from "../../io/bundle.js";
import { action, note, print, printJson, withCommonOptions } from "../output.js";

type Row = Record<string, unknown>;

/** A CSV field, quoted when it holds a delimiter, a quote or a line break. */
function csvField(v: unknown): string {
  const s = v === null || v === undefined ? "" : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function toCsv(rows: Row[], columns: string[]): string {
  return [columns.map(csvField).join(","), ...rows.map((r) => columns.map((c) => csvField(r[c])).join(","))].join("\n") + "\n";
}

export function registerPredict(program: Command): void {
  const cmd = program
    .command("predict")
    .description("predict every row of a CSV file with a model bundle: labels and class probabilities, or values")
    .argument("<bundle>", "the model bundle directory")
    .requiredOption("--data <file>", "the CSV file to predict (the target column is not needed)")
    .option("--out <file>", "write the predictions to a .csv or .jsonl file (default: CSV on stdout)");
  withCommonOptions(cmd).action(
    action(async (bundle: string, flags: { data: string; out?: string; json?: boolean }) => {
      const format = flags.out === undefined ? "csv" : ({ ".csv": "csv", ".jsonl": "jsonl" } as Record<string, string>)[extname(flags.out).toLowerCase()];
      if (!format) throw new Error(`--out must name a .csv or .jsonl file, got ${flags.out}`);
      const model = await loadModel(bundle);
      const table = await model.readCsv(flags.data);
      const p = model.predictTable(table, { log: note });
      // Identifier columns the model was trained without are passed through, so each prediction can be joined back to its row.
      const ids = model.schema.dropped.map((d) => d.name).filter((n) => table.has(n));
      // JSON (a .jsonl file, or --json on stdout) nests the probabilities; CSV has a column per class.
      const nested = format === "jsonl" || (flags.json === true && flags.out === undefined);
      const rows: Row[] = [];
      for (let r = 0; r < table.numRows; r++) {
        const row: Row = Object.fromEntries(ids.map((n) => [n, cellValue(table.column(n), r)]));
        if (p.task === "regression") row.prediction = p.values[r];
        else {
          row.prediction = p.labels[r];
          if (!nested) p.classes.forEach((c, k) => (row[`probability_${c}`] = p.probabilities[r][k]));
          else row.probabilities = Object.fromEntries(p.classes.map((c, k) => [String(c), p.probabilities[r][k]]));
        }
        rows.push(row);
      }
      const columns = [...ids, "prediction", ...(p.task === "classification" ? p.classes.map((c) => `probability_${c}`) : [])];
      const text = !nested ? toCsv(rows, columns) : rows.map((r) => JSON.stringify(r)).join("\n") + (rows.length ? "\n" : "");
      if (flags.out !== undefined) await writeFileAtomic(flags.out, text);
      if (flags.json) {
        printJson({
          bundle, task: model.task, data: flags.data, rows: rows.length,
          ...(p.task === "classification" ? { classes: p.classes } : {}),
          // The model's metrics from training, for whoever consumes the predictions.
          metrics: model.manifest.metrics,
          ...(flags.out !== undefined ? { out: flags.out } : { predictions: rows }),
        });
      } else if (flags.out === undefined) {
        process.stdout.write(text);
      } else {
        print(`${flags.out}: ${rows.length} predictions`);
      }
    }),
  );
}
