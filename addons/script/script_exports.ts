/** Reads the addons out of a script module, the same way in the sandbox and in process. */
import { SCRIPT_HOOK_NAMES } from "./hook_kinds.ts";

export type ScriptAddonObject = Record<string, unknown>;

export function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

/**
 * The default export as a list of addon objects. Throws `TypeError` with a message that says
 * how to fix the script: no default export, a default export that is not an object (or an
 * array of objects), or a hook that is not a function.
 */
export function addonsFromModule(module: Record<string, unknown>): ScriptAddonObject[] {
  if (!("default" in module)) {
    throw new TypeError(
      "the script has no default export; end it with `export default { request(flow) { ... } }`" +
        " (an addon object, or an array of them)",
    );
  }
  const exported = module.default;
  const addons = Array.isArray(exported) ? exported : [exported];
  addons.forEach((a, i) => {
    const where = Array.isArray(exported) ? `default export [${i}]` : "the default export";
    if (typeof a !== "object" || a === null || Array.isArray(a)) {
      throw new TypeError(`${where} is ${describeValue(a)}, not an addon object`);
    }
    for (const hook of SCRIPT_HOOK_NAMES) {
      const fn = (a as ScriptAddonObject)[hook];
      if (fn !== undefined && typeof fn !== "function") {
        throw new TypeError(`${where}: hook ${hook} is ${describeValue(fn)}, not a function`);
      }
    }
  });
  return addons as ScriptAddonObject[];
}
