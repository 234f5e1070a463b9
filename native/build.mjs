// Builds the native backend with node-gyp; run by `npm install` (the "install" script)
// and `npm run build:native`. It never fails the install: without a compiler, headers or
// node-gyp, Lathe runs on its TypeScript kernels, and the reason is kept in
// build/native-error.txt for the message Lathe prints at first use.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const errorFile = join(root, "build", "native-error.txt");

/** node-gyp's entry script: npm's own copy (npm sets npm_config_node_gyp for scripts), else npm's bundled one, else a local install. */
function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
  ];
  try {
    candidates.push(createRequire(join(root, "package.json")).resolve("node-gyp/bin/node-gyp.js"));
  } catch {
    // not installed locally
  }
  return candidates.find((p) => p && existsSync(p));
}

/** Node's own headers, so node-gyp needs no download (the build must work offline). */
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = join(dirname(process.execPath), "..");
  return existsSync(join(prefix, "include", "node", "node_api.h")) ? [`--nodedir=${prefix}`] : [];
}

function fail(reason, log = "") {
  mkdirSync(dirname(errorFile), { recursive: true });
  writeFileSync(errorFile, `${reason}\n${log}`);
  console.warn(`lathe: native backend not built (${reason}); Lathe will use its TypeScript kernels.`);
  process.exit(0);
}

const gyp = findNodeGyp();
if (!gyp) fail("node-gyp not found");
const res = spawnSync(process.execPath, [gyp, "rebuild", "--jobs=2", ...nodedirArgs()], {
  cwd: root,
  encoding: "utf8",
  maxBuffer: 64 * 1024 * 1024,
});
if (res.error) fail(`could not run node-gyp: ${res.error.message}`);
if (res.status !== 0) {
  const log = `${res.stdout ?? ""}${res.stderr ?? ""}`;
  const compiler = /not found|No such file|command not found/i.test(log) && /g\+\+|c\+\+|make|cc/.test(log);
  fail(compiler ? "no C++ compiler or make found" : `node-gyp rebuild exited with status ${res.status}`, log.slice(-8000));
}
rmSync(errorFile, { force: true });
console.log("lathe: built the native backend (build/Release/lathe.node).");
