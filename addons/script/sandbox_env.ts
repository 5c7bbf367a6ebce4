/**
 * What every sandbox process needs, prepared once per proxy: the import map that makes
 * `import ... from "mitmdeno"` resolve to this checkout's `api/mod.ts` (plus the proxy's own
 * npm imports from deno.json), and the module files of the worker runtime, which the
 * sandbox process must be allowed to read.
 *
 * The import map is written to a temporary file (`deno run --import-map` wants a path) and
 * removed by `dispose()`.
 */
import { checkModuleGraph } from "./module_graph.ts";

/** The specifier scripts import the addon API from. */
export const API_SPECIFIER = "mitmdeno";

const ROOT = new URL("../../", import.meta.url);

function urlPath(url: URL): string {
  return decodeURIComponent(url.pathname);
}

/**
 * The import map for scripts: deno.json's imports (made absolute; an import map given on
 * the command line replaces them, and the proxy's own modules need them) plus `mitmdeno`.
 */
export async function scriptImportMap(): Promise<{ imports: Record<string, string> }> {
  const imports: Record<string, string> = {};
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT))) as {
    imports?: Record<string, string>;
  };
  const configImports = config.imports ?? {};
  for (const [key, value] of Object.entries(configImports)) {
    imports[key] = /^\.{0,2}\//.test(value) ? new URL(value, ROOT).href : value;
  }
  imports[API_SPECIFIER] = new URL("api/mod.ts", ROOT).href;
  imports[`${API_SPECIFIER}/`] = new URL("api/", ROOT).href;
  return { imports };
}

export class SandboxEnv {
  readonly configPath = urlPath(new URL("deno.json", ROOT));
  readonly childMainPath = urlPath(new URL("./child_main.ts", import.meta.url));
  readonly workerMainUrl = new URL("./worker_main.ts", import.meta.url).href;

  private constructor(
    readonly importMapPath: string,
    /** Module files of the worker runtime. */
    readonly runtimeFiles: readonly string[],
  ) {}

  static async create(): Promise<SandboxEnv> {
    const importMapPath = await Deno.makeTempFile({ prefix: "mitmdeno-scripts-", suffix: ".json" });
    try {
      await Deno.writeTextFile(importMapPath, JSON.stringify(await scriptImportMap(), null, 2));
      const configPath = urlPath(new URL("deno.json", ROOT));
      const runtime = urlPath(new URL("./worker_main.ts", import.meta.url));
      const graph = await checkModuleGraph(runtime, { configPath, importMapPath });
      if ("error" in graph) throw new Error(`the script runtime does not load: ${graph.error}`);
      return new SandboxEnv(importMapPath, graph.files);
    } catch (e) {
      await Deno.remove(importMapPath).catch(() => {});
      throw e;
    }
  }

  async dispose(): Promise<void> {
    await Deno.remove(this.importMapPath).catch(() => {});
  }
}
