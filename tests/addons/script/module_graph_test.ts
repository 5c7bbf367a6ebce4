import { deepStrictEqual, match } from "node:assert/strict";
import { checkModuleGraph, interpretGraph } from "../../../addons/script/module_graph.ts";
import { SandboxEnv, scriptImportMap } from "../../../addons/script/sandbox_env.ts";

Deno.test("module graph: local files are listed; remote modules refused", () => {
  const ok = interpretGraph({
    modules: [
      { specifier: "file:///a/s.ts" },
      { specifier: "file:///a/my%20lib.ts" },
      { specifier: "npm:/iconv-lite@0.7.3", kind: "npm" },
      { specifier: "node:zlib", kind: "node" },
    ],
  }, "/a/s.ts");
  deepStrictEqual(ok, { files: ["/a/s.ts", "/a/my lib.ts"] });
  const remote = interpretGraph({
    modules: [{ specifier: "file:///a/s.ts" }, { specifier: "https://x.example/m.js", error: "e" }],
  }, "/a/s.ts");
  match(
    (remote as { error: string }).error,
    /imports the remote module https:\/\/x\.example\/m\.js/,
  );
  const broken = interpretGraph({
    modules: [{ specifier: "file:///a/s.ts", error: "SyntaxError" }],
  }, "");
  deepStrictEqual(broken, { error: "SyntaxError" });
});

Deno.test("module graph: the import map maps mitmdeno to api/mod.ts", async () => {
  const map = await scriptImportMap();
  deepStrictEqual(map.imports.mitmdeno, new URL("../../../api/mod.ts", import.meta.url).href);
  const env = await SandboxEnv.create();
  try {
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(
      `${dir}/s.ts`,
      `import { ctx } from "mitmdeno";\nexport default { ctx };`,
    );
    await Deno.writeTextFile(`${dir}/missing.ts`, `import "./nope.ts";\nexport default {};`);
    const graph = await checkModuleGraph(`${dir}/s.ts`, env);
    const files = (graph as { files: string[] }).files;
    deepStrictEqual(files.includes(`${dir}/s.ts`), true);
    deepStrictEqual(files.some((f) => f.endsWith("/api/mod.ts")), true);
    match(
      (await checkModuleGraph(`${dir}/missing.ts`, env) as { error: string }).error,
      /nope\.ts/,
    );
    await Deno.remove(dir, { recursive: true });
  } finally {
    await env.dispose();
  }
});
