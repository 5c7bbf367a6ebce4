/**
 * The onboarding app (mitmproxy's `onboarding.py`): requests to `onboarding_host`
 * (default mitm.it) through the proxy are answered by the proxy itself with an install page
 * and the CA certificate in PEM, PKCS#12 and CER form, read from the confdir.
 */
import type { HttpFlow } from "../core/flow/http.ts";
import { Response } from "../core/flow/http.ts";
import type { Loader } from "../core/hooks.ts";
import type { Logger } from "../core/log.ts";
import type { Options } from "../core/options.ts";
import { expandHome } from "../core/paths.ts";
import { caFileNames } from "../core/certs/ca_files.ts";
import { VERSION } from "../core/version.ts";
import { onboardingPage } from "./onboarding_page.ts";

const DOWNLOADS: Record<string, { file: keyof ReturnType<typeof caFileNames>; type: string }> = {
  "/cert/pem": { file: "certPem", type: "application/x-x509-ca-cert" },
  "/cert/p12": { file: "certP12", type: "application/x-pkcs12" },
  "/cert/cer": { file: "certCer", type: "application/x-x509-ca-cert" },
};

export class Onboarding {
  readonly name = "onboarding";
  #options: Options | null = null;
  #logger: Logger | null = null;

  constructor(readonly readFile: (path: string) => Promise<Uint8Array> = Deno.readFile) {}

  load(loader: Loader): void {
    this.#options = loader.options;
    this.#logger = loader.logger;
    loader.add_option("onboarding", "bool", true, "Toggle the mitmdeno onboarding app.");
    loader.add_option(
      "onboarding_host",
      "str",
      "mitm.it",
      "Onboarding app domain. For transparent mode, use an IP when a DNS entry for the app domain is not present.",
    );
  }

  running(): void {
    const options = this.#options!;
    if (!(options.get("onboarding") as boolean) || !(options.get("server") as boolean)) return;
    this.#logger!.info(
      `To intercept HTTPS, install the CA: browse to http://${
        options.get("onboarding_host")
      }/ through the proxy.`,
    );
  }

  request(flow: HttpFlow): Promise<void> | void {
    const options = this.#options!;
    if (!(options.get("onboarding") as boolean) || flow.response !== null) return;
    const host = options.get("onboarding_host") as string;
    if (flow.request.host === host || this.#hostHeaderNames(flow, host)) return this.#serve(flow);
  }

  /** `pretty_host` parses the Host header: only pay for it when the header could match. */
  #hostHeaderNames(flow: HttpFlow, host: string): boolean {
    const header = flow.request.headers.get("host");
    if (header === undefined || !header.toLowerCase().includes(host.toLowerCase())) return false;
    return flow.request.pretty_host === host;
  }

  async #serve(flow: HttpFlow): Promise<void> {
    const options = this.#options!;
    const path = flow.request.path.split("?")[0];
    if (path === "/" || path === "/index.html") {
      flow.response = Response.make(200, onboardingPage(VERSION), {
        "Content-Type": "text/html; charset=utf-8",
      });
      return;
    }
    const download = DOWNLOADS[path];
    if (download === undefined) {
      flow.response = Response.make(404, "Not found\n", { "Content-Type": "text/plain" });
      return;
    }
    const fileName = caFileNames()[download.file];
    const confdir = expandHome(options.get("confdir") as string);
    try {
      const body = await this.readFile(`${confdir}/${fileName}`);
      flow.response = Response.make(200, body, {
        "Content-Type": download.type,
        "Content-Disposition": `attachment; filename="${fileName}"`,
      });
    } catch (e) {
      flow.response = Response.make(
        503,
        `The CA file ${fileName} is not available: ${e instanceof Error ? e.message : e}\n`,
        { "Content-Type": "text/plain" },
      );
    }
  }
}
