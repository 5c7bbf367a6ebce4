/**
 * Checks a script's module graph with `deno info --json` before it runs, which closes the
 * remote-import hole of sandboxed workers (a string-literal `import("https://...")` is
 * fetched with the loading process's permissions) and reports syntax errors and missing
 * modules clearly, with file and line.
 *
 * Rules, written once:
 * - Local files (`file:`), `npm:` packages already installed, `node:` built-ins and
 *   `data:` URLs are allowed. Anything remote (`http:`, `https:`, `jsr:`) is refused; the
 *   sandbox process also runs with `--no-remote --cached-only`, so a specifier that
 *   escapes this check fails to load anyway.
 * - The local files of the graph are what the sandbox process may read (it must, to load
 *   them); the worker running the script cannot read even those.
 */

export interface GraphArgs {
  /** deno.json of the proxy (npm packages, node_modules). */
  readonly configPath: string;
  /** The import map that maps `mitmdeno` and the proxy's npm imports. */
  readonly importMapPath: string;
}

export type GraphResult = { files: string[] } | { error: string };

interface InfoModule {
  specifier?: string;
  error?: string;
  kind?: string;
}

const ALLOWED_SCHEMES = ["file:", "npm:", "node:", "data:"];

function fileUrlToPath(specifier: string): string {
  return decodeURIComponent(new URL(specifier).pathname);
}

/** Interprets `deno info --json` output (exported for tests). */
export function interpretGraph(info: unknown, root: string): GraphResult {
  const modules = (info as { modules?: InfoModule[] } | null)?.modules;
  if (!Array.isArray(modules)) return { error: "deno info gave no module list" };
  const files: string[] = [];
  const remote: string[] = [];
  const errors: string[] = [];
  for (const m of modules) {
    const spec = m.specifier ?? "";
    const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(spec)?.[0]?.toLowerCase() ?? "";
    if (!ALLOWED_SCHEMES.includes(scheme)) {
      remote.push(spec);
      continue;
    }
    if (m.error !== undefined) errors.push(m.error);
    else if (scheme === "file:") files.push(fileUrlToPath(spec));
  }
  if (remote.length > 0) {
    return {
      error: `imports the remote module ${remote.join(", ")}: sandboxed scripts may only ` +
        `import local files, node: built-ins and installed npm: packages ` +
        `(download the module next to the script and import it by path)`,
    };
  }
  if (errors.length > 0) return { error: errors.join("\n") };
  if (files.length === 0) return { error: `${root} is not a module` };
  return { files };
}

/** Runs `deno info` on `path` (absolute). */
export async function checkModuleGraph(path: string, args: GraphArgs): Promise<GraphResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "info",
      "--json",
      "--no-remote",
      "--config",
      args.configPath,
      "--import-map",
      args.importMapPath,
      path,
    ],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
    env: { NO_COLOR: "1" },
  }).output();
  const stderr = new TextDecoder().decode(out.stderr).replace(/\n*Stack backtrace:[\s\S]*$/, "");
  if (!out.success) {
    return { error: stderr.replace(/^error: /, "").trim() || `deno info failed (${out.code})` };
  }
  let info: unknown;
  try {
    info = JSON.parse(new TextDecoder().decode(out.stdout));
  } catch {
    return { error: `deno info printed no JSON: ${stderr.trim()}` };
  }
  return interpretGraph(info, path);
}
