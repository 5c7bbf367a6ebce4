/** How the HTTP layer finds the server: from the request (regular) or fixed (transparent). */
import type { Request } from "../../core/flow/http.ts";

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
