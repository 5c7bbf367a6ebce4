/**
 * `--mode` specs: `name[:data][@[host:]port]`, parsed as mitmproxy does (the last `@`
 * separates the listen address, the first `:` the mode's data).
 */

export const MODE_NAMES = [
  "regular",
  "upstream",
  "reverse",
  "transparent",
  "socks5",
  "dns",
  "wireguard",
  "local",
  "tun",
] as const;
export type ModeName = typeof MODE_NAMES[number];

const NO_DATA: ReadonlySet<ModeName> = new Set(["regular", "transparent", "socks5", "dns"]);
const DEFAULT_PORTS: Record<ModeName, number | null> = {
  regular: 8080,
  upstream: 8080,
  reverse: 8080,
  transparent: 8080,
  socks5: 1080,
  dns: 53,
  wireguard: 51820,
  local: null,
  tun: null,
};

export interface ModeSpec {
  readonly fullSpec: string;
  readonly name: ModeName;
  readonly data: string;
  readonly listenHost: string | null;
  readonly listenPort: number | null;
}

export class ModeSpecError extends Error {
  constructor(spec: string, problem: string) {
    super(`Invalid mode specification "${spec}": ${problem}`);
    this.name = "ModeSpecError";
  }
}

export function parseModeSpec(spec: string): ModeSpec {
  const at = spec.lastIndexOf("@");
  const head = at >= 0 ? spec.slice(0, at) : spec;
  const listenAt = at >= 0 ? spec.slice(at + 1) : "";
  const colon = head.indexOf(":");
  const rawName = (colon >= 0 ? head.slice(0, colon) : head).toLowerCase();
  const data = colon >= 0 ? head.slice(colon + 1) : "";
  if (rawName === "osproxy") {
    throw new ModeSpecError(spec, "osproxy mode has been renamed to local mode");
  }
  if (!(MODE_NAMES as readonly string[]).includes(rawName)) {
    throw new ModeSpecError(spec, `unknown mode "${rawName}" (known: ${MODE_NAMES.join(", ")})`);
  }
  const name = rawName as ModeName;
  if (NO_DATA.has(name) && data !== "") {
    throw new ModeSpecError(spec, `mode ${name} takes no arguments`);
  }
  if ((name === "upstream" || name === "reverse") && data === "") {
    throw new ModeSpecError(spec, `mode ${name} needs a server, e.g. ${name}:http://example.com`);
  }
  let listenHost: string | null = null;
  let listenPort: number | null = null;
  if (at >= 0) {
    const portColon = listenAt.lastIndexOf(":");
    const portText = portColon >= 0 ? listenAt.slice(portColon + 1) : listenAt;
    if (portColon >= 0) listenHost = listenAt.slice(0, portColon).replace(/^\[(.*)\]$/, "$1");
    if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
      throw new ModeSpecError(spec, `invalid port: ${portText}`);
    }
    listenPort = Number(portText);
  }
  return { fullSpec: spec, name, data, listenHost, listenPort };
}

/** The port a mode listens on: its own spec, then the option, then the mode's default. */
export function listenPortFor(spec: ModeSpec, optionPort: number | null): number | null {
  return spec.listenPort ?? optionPort ?? DEFAULT_PORTS[spec.name];
}

export function listenHostFor(spec: ModeSpec, optionHost: string): string {
  return spec.listenHost ?? optionHost;
}
