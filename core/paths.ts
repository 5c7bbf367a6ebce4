/** Expands a leading `~` to the home directory, as mitmproxy's paths do. */
export function expandHome(path: string): string {
  if (path !== "~" && !path.startsWith("~/")) return path;
  const home = Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE") ?? ".";
  return home + path.slice(1);
}
