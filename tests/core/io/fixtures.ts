/** Paths of the shared mitmproxy fixture files (read in place, never copied). */
export const DUMPFILES = new URL(
  "../../../../shared/fixtures/mitmproxy/dumpfiles/",
  import.meta.url,
);

export function dumpfile(name: string): URL {
  return new URL(name, DUMPFILES);
}
