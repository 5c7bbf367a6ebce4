/** How the HTTP layer finds the server: from the request (regular) or fixed (transparent,
 * reverse). */
import type { Request } from "../../core/flow/http.ts";
import { hostport } from "../../core/flow/url.ts";

export type HttpMode =
  | { kind: "regular" }
  | { kind: "transparent"; address: [string, number] }
  | { kind: "reverse"; address: [string, number]; tls: boolean };

/** Checks the request target form the mode expects; returns an error message or null. */
export function validateRequestForm(mode: HttpMode, request: Request): string | null {
  const form = request.method === "CONNECT"
    ? "authority"
    : request.authority !== "" && request.scheme !== ""
    ? "absolute"
    : "relative";
  if (mode.kind === "regular") {
    if (form === "relative") {
      return "Invalid HTTP request form (expected: authority or absolute, got: relative). " +
        "Is the client configured to use this program as an HTTP proxy?";
    }
    if (form === "absolute" && request.scheme !== "http" && request.scheme !== "https") {
      return `Invalid request scheme: ${request.scheme}`;
    }
    return null;
  }
  if (form === "authority") return "CONNECT is only valid for an explicit HTTP proxy";
  return null;
}

/**
 * Points a request at the mode's fixed server (transparent and reverse modes; regular mode
 * takes it from the request). The Host header and authority stay what the client sent, except
 * in reverse mode without `keep_host_header`: there Host names the target, as it expects.
 */
export function pointAtModeServer(
  mode: HttpMode,
  request: Request,
  clientTls: boolean,
  keepHostHeader: boolean,
): void {
  if (mode.kind === "regular") return;
  const [host, port] = mode.address;
  const scheme = (mode.kind === "transparent" ? clientTls : mode.tls) ? "https" : "http";
  if (mode.kind === "transparent" || keepHostHeader) {
    request.setAddress(scheme, host, port);
    return;
  }
  request.scheme = scheme;
  request.host = host;
  request.port = port;
  request.headers.set("Host", hostport(scheme, host, port));
}
