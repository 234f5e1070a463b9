// The native backend's runtime behaviour: introspection, the environment variables read
// at load (LATHE_BACKEND, LATHE_ISA, LATHE_NUM_THREADS, in child processes), the fallback
// to the TypeScript kernels when the addon is missing, and the ISA units' isolation.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { backend } from "../../src/backend/index.js";
import { levels, skip } from "./native_helpers.js";

const DIST_SRC = fileURLToPath(new URL("../../src/", import.meta.url));
const BACKEND_INDEX = join(DIST_SRC, "backend", "index.js");
const REPO = fileURLToPath(new URL("../../../", import.meta.url));

/** What `backend` reports in a fresh node process with `env` added; plus its stderr. */
function probe(env: Record<string, string>, index = BACKEND_INDEX): { info: { name: string; isa: string | null; threads: number }; stderr: string } {
  const code = `const { backend } = await import(${JSON.stringify(index)});
    console.log(JSON.stringify({ name: backend.name, isa: backend.isa, threads: backend.threads }));`;
  const env2: Record<string, string | undefined> = { ...process.env, ...env };
  for (const k of ["LATHE_BACKEND", "LATHE_ISA", "LATHE_NUM_THREADS"]) if (!(k in env)) delete env2[k];
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { env: env2, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return { info: JSON.parse(r.stdout), stderr: r.stderr };
}

describe("native backend at runtime", { skip }, () => {
  test("backend reports its kernels, ISA level, threads and FMA peak", () => {
    assert.equal(backend.name, process.env.LATHE_BACKEND === "js" ? "js" : "native");
    assert.ok(levels().includes(backend.isa as never), `isa ${backend.isa}`);
    assert.equal(backend.bestIsa, levels()[0]);
    assert.ok(backend.threads >= 1);
    assert.equal(backend.loadError, undefined);
    const one = backend.measurePeakGflops({ threads: 1, seconds: 0.01 });
    const all = backend.measurePeakGflops({ seconds: 0.01 });
    assert.ok(one !== null && one > 0 && Number.isFinite(one), `single-thread peak ${one}`);
    assert.ok(all !== null && all > 0 && Number.isFinite(all), `all-thread peak ${all}`);
  });

  test("setIsa refuses a level the CPU lacks or an unknown name, and changes nothing then", () => {
    const isa = backend.isa;
    assert.equal(backend.setIsa("sse9" as never), false);
    assert.equal(backend.isa, isa);
    for (const level of levels()) {
      assert.equal(backend.setIsa(level), true);
      assert.equal(backend.isa, level);
    }
    backend.setIsa(isa as never);
  });

  test("LATHE_ISA lowers the level at load; an unknown or higher level is ignored", () => {
    for (const level of levels()) assert.equal(probe({ LATHE_ISA: level }).info.isa, level);
    assert.equal(probe({ LATHE_ISA: "bogus" }).info.isa, levels()[0]);
  });

  test("LATHE_NUM_THREADS sizes the pool; LATHE_BACKEND=js picks the TypeScript kernels silently", () => {
    assert.equal(probe({ LATHE_NUM_THREADS: "3" }).info.threads, 3);
    const js = probe({ LATHE_BACKEND: "js" });
    assert.equal(js.info.name, "js");
    assert.equal(js.stderr, "");
    const native = probe({});
    assert.equal(native.info.name, "native");
    assert.equal(native.stderr, "");
  });

  test("the ISA libraries share no inline or template code with the rest of the addon", (t) => {
    // An AVX-512 copy of, say, a std:: template could be picked by the linker for code that
    // must run on any CPU. Every weak symbol of an ISA library must be in its own namespace.
    const libs = ["avx512", "avx2"].map((l) => [l, join(REPO, "build", "Release", `lathe_${l}.a`)] as const);
    try {
      execFileSync("nm", ["--version"]);
    } catch {
      return t.skip("nm is not installed");
    }
    for (const [level, lib] of libs) {
      if (!existsSync(lib)) continue;
      const weak = execFileSync("nm", ["-C", lib], { encoding: "utf8", maxBuffer: 64 << 20 })
        .split("\n")
        .filter((l) => / [WVu] /.test(l) && !l.includes(`lathe::${level}::`));
      assert.deepEqual(weak, [], `weak symbols outside lathe::${level}`);
    }
  });
});

describe("without the addon", () => {
  test("Lathe runs on the TypeScript kernels and says why, once, on stderr", () => {
    // A copy of the compiled backend whose package root has no build/ directory.
    const root = mkdtempSync(join(tmpdir(), "lathe-noaddon-"));
    try {
      for (const dir of ["backend", "tensor"]) cpSync(join(DIST_SRC, dir), join(root, "dist", "src", dir), { recursive: true });
      const { info, stderr } = probe({}, join(root, "dist", "src", "backend", "index.js"));
      assert.equal(info.name, "js");
      assert.equal(info.isa, null);
      assert.match(stderr, /^lathe: running on the TypeScript kernels \(native backend unavailable: the addon has not been built/);
      assert.equal(stderr.trim().split("\n").length, 1);
      assert.equal(probe({ LATHE_BACKEND: "js" }, join(root, "dist", "src", "backend", "index.js")).stderr, "");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
