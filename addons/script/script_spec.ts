/**
 * The `scripts` option values: a script path, optionally followed by the permissions the
 * script is granted, written like Deno's own flags:
 *
 *     -s 'examples/save_flows.ts --allow-write=/tmp/flows.mitm'
 *     -s 'fetcher.ts --allow-net=api.example.com:443,example.org --allow-env=API_TOKEN'
 *     -s 'trusted.ts --inprocess'
 *
 * Rules, written once:
 * - Words are separated by whitespace; `"..."` or `'...'` quote a word (a path with spaces).
 * - The first word is the path; the others are grants. No grant means no permission at all.
 * - `--allow-NAME` alone grants all of NAME; `--allow-NAME=a,b` grants only the listed
 *   hosts, paths, variables or programs. NAME is one of net, read, write, env, run, sys, ffi.
 *   Repeating a grant adds to its list.
 * - Paths of `--allow-read`/`--allow-write` are relative to the working directory and are
 *   shown (and passed on) as absolute paths.
 * - `--inprocess` runs the script inside the proxy with all of its permissions (trusted
 *   scripts only; the `script_inprocess` option does this for every script).
 * - Anything else is an error that names the bad word.
 */

export type GrantName = "net" | "read" | "write" | "env" | "run" | "sys" | "ffi";

export const GRANT_NAMES: readonly GrantName[] = [
  "net",
  "read",
  "write",
  "env",
  "run",
  "sys",
  "ffi",
];

/** `true` grants everything of that kind; a list grants only the listed items. */
export type Grants = Partial<Record<GrantName, true | readonly string[]>>;

export interface ScriptSpec {
  /** The option value as written. */
  readonly spec: string;
  /** The path as written (used as the script's name in logs). */
  readonly path: string;
  /** The absolute path. */
  readonly absPath: string;
  readonly grants: Grants;
  readonly inprocess: boolean;
}

export class ScriptSpecError extends Error {
  override name = "ScriptSpecError";
}

/** Splits a spec into words, honouring quotes. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: string | null = null;
  for (const ch of text) {
    if (quote !== null) {
      if (ch === quote) quote = null;
      else word += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote !== null) throw new ScriptSpecError(`unclosed ${quote} in ${JSON.stringify(text)}`);
  if (inWord) words.push(word);
  return words;
}

function isGrantName(name: string): name is GrantName {
  return (GRANT_NAMES as readonly string[]).includes(name);
}

/** Joins `path` onto `cwd` unless it is absolute; removes `.` and `..` segments. */
export function absolutePath(path: string, cwd: string): string {
  const joined = path.startsWith("/") ? path : `${cwd.replace(/\/+$/, "")}/${path}`;
  const out: string[] = [];
  for (const part of joined.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return "/" + out.join("/");
}

const USAGE = "expected --allow-{net,read,write,env,run,sys,ffi}[=list] or --inprocess";

/** Parses one `scripts` value. Throws `ScriptSpecError` with a message naming the problem. */
export function parseScriptSpec(spec: string, cwd: string): ScriptSpec {
  const words = splitWords(spec);
  if (words.length === 0) throw new ScriptSpecError("empty script path");
  const [path, ...flags] = words;
  if (path.startsWith("-")) {
    throw new ScriptSpecError(`${JSON.stringify(spec)}: the script path must come first`);
  }
  const grants: Record<string, true | string[]> = {};
  let inprocess = false;
  for (const flag of flags) {
    if (flag === "--inprocess") {
      inprocess = true;
      continue;
    }
    const m = /^--allow-([a-z]+)(?:=(.*))?$/.exec(flag);
    if (m === null || !isGrantName(m[1])) {
      throw new ScriptSpecError(`${JSON.stringify(flag)} in script ${path}: ${USAGE}`);
    }
    const name = m[1];
    if (m[2] === undefined) {
      grants[name] = true;
      continue;
    }
    const items = m[2].split(",").map((s) => s.trim()).filter((s) => s !== "");
    if (items.length === 0) {
      throw new ScriptSpecError(`${JSON.stringify(flag)} in script ${path}: empty list`);
    }
    const resolved = name === "read" || name === "write"
      ? items.map((p) => absolutePath(p, cwd))
      : items;
    const prev = grants[name];
    if (prev === true) continue;
    grants[name] = [...(prev ?? []), ...resolved];
  }
  return { spec, path, absPath: absolutePath(path, cwd), grants, inprocess };
}

/** "none", or e.g. "net=api.example.com:443; read=/srv/data; env (all)". */
export function describeGrants(grants: Grants): string {
  const parts: string[] = [];
  for (const name of GRANT_NAMES) {
    const g = grants[name];
    if (g === undefined) continue;
    parts.push(g === true ? `${name} (all)` : `${name}=${g.join(",")}`);
  }
  return parts.length === 0 ? "none" : parts.join("; ");
}

/** The worker's permissions: exactly the grants, nothing else (no imports either). */
export function workerPermissions(grants: Grants): Deno.PermissionOptionsObject {
  const value = (name: GrantName) => {
    const g = grants[name];
    return g === undefined ? false : g === true ? true : [...g];
  };
  return {
    net: value("net"),
    read: value("read"),
    write: value("write"),
    env: value("env"),
    run: value("run"),
    sys: value("sys") as Deno.PermissionOptionsObject["sys"],
    ffi: value("ffi"),
    import: false,
  };
}

/**
 * The sandbox process's permission flags: the grants, plus reading the given module files
 * (the process must read them to load the script's module graph; the worker cannot).
 */
export function processPermissionFlags(grants: Grants, moduleFiles: readonly string[]): string[] {
  const flags: string[] = [];
  for (const name of GRANT_NAMES) {
    const g = grants[name];
    const extra = name === "read" ? moduleFiles : [];
    if (g === true) flags.push(`--allow-${name}`);
    else if (g !== undefined || extra.length > 0) {
      flags.push(`--allow-${name}=${[...(g ?? []), ...extra].join(",")}`);
    }
  }
  return flags;
}
