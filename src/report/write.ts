import { writeFileAtomic } from "../io/atomic.js";
import { renderReport } from "./html.js";
import type { ReportInput } from "./types.js";

/** Renders the report and writes it to `path` atomically: a reader never sees half a page. */
export async function writeReport(path: string, input: ReportInput): Promise<void> {
  await writeFileAtomic(path, renderReport(input));
}
