// Links this checkout's own CLI into node_modules/.bin, so `npx lathe` in a clone runs
// this build instead of fetching a package of the same name. Run by `npm run prepare`.
import { chmodSync, existsSync, mkdirSync, rmSync, symlinkSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const target = join(root, "dist", "src", "cli", "main.js");
const binDir = join(root, "node_modules", ".bin");
if (existsSync(target) && existsSync(join(root, "node_modules"))) {
  mkdirSync(binDir, { recursive: true });
  const link = join(binDir, "lathe");
  rmSync(link, { force: true });
  symlinkSync(relative(binDir, target), link);
  chmodSync(target, 0o755);
}
