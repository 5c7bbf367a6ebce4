/**
 * Keeps the import direction of ARCHITECTURE.md true:
 * codecs <- core <- layers <- proxy/addons <- ui <- main.ts (ffi/ behind core's interfaces,
 * wired by ui), and no socket, timer or clock
 * access inside codecs/ and layers/.
 */
import { deepStrictEqual, ok } from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);

/** Which top-level folders each folder may import from. */
const ALLOWED: Record<string, readonly string[]> = {
  codecs: ["codecs"],
  core: ["codecs", "core"],
  layers: ["codecs", "core", "layers"],
  proxy: ["codecs", "core", "layers", "proxy"],
  addons: ["codecs", "core", "layers", "proxy", "addons"],
  ui: ["codecs", "core", "layers", "proxy", "addons", "ui", "ffi"],
  // Native code sits behind interfaces that core or proxy define; only ui and main.ts wire it.
  ffi: ["core", "ffi"],
};

interface InfoModule {
  specifier: string;
  dependencies?: { specifier: string; code?: { specifier?: string } }[];
}

function folderOf(specifier: string): string | null {
  if (!specifier.startsWith(ROOT.href)) return null;
  const rel = specifier.slice(ROOT.href.length);
  return rel.includes("/") ? rel.split("/")[0] : rel;
}

Deno.test("imports follow codecs <- core <- layers <- proxy/addons <- ui <- main.ts", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "main.ts"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as { modules: InfoModule[] };
  const violations: string[] = [];
  let checked = 0;
  for (const module of info.modules) {
    const from = folderOf(module.specifier);
    if (from === null || !(from in ALLOWED)) continue;
    checked++;
    for (const dep of module.dependencies ?? []) {
      const target = dep.code?.specifier;
      if (target === undefined) continue;
      const to = folderOf(target);
      if (to === null || to === "node_modules") continue;
      if (!ALLOWED[from].includes(to)) {
        violations.push(`${module.specifier.slice(ROOT.href.length)} imports ${to}/`);
      }
    }
  }
  deepStrictEqual(violations, []);
  ok(checked > 40, `only ${checked} modules were checked: is deno info working?`);
});

async function* sourceFiles(dir: URL): AsyncGenerator<URL> {
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) yield* sourceFiles(url);
    else if (entry.name.endsWith(".ts")) yield url;
  }
}

Deno.test("codecs/ and layers/ do no I/O and read no clock", async () => {
  const forbidden = /\bDeno\.|\bsetTimeout\(|\bsetInterval\(|\bDate\.now\(|\bMath\.random\(/;
  const violations: string[] = [];
  for (const folder of ["codecs/", "layers/"]) {
    for await (const file of sourceFiles(new URL(folder, ROOT))) {
      const lines = (await Deno.readTextFile(file)).split("\n");
      lines.forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, "");
        if (forbidden.test(code) && !/^\s*\*/.test(code)) {
          violations.push(`${file.href.slice(ROOT.href.length)}:${i + 1}: ${line.trim()}`);
        }
      });
    }
  }
  // The context's SYSTEM_CLOCK is the one sanctioned clock; layers receive it injected.
  deepStrictEqual(violations.filter((v) => !v.startsWith("layers/context.ts")), []);
});
