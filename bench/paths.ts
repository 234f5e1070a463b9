import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: the bench runs from dist/bench/, two levels down. */
export const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
