import { strictEqual } from "node:assert/strict";
import { Onboarding } from "../../addons/onboarding.ts";
import { coreOptions } from "../../addons/core_options.ts";
import { ProxyServer } from "../../addons/proxyserver.ts";
import { Request } from "../../core/flow/http.ts";
import { Master } from "../../core/master.ts";
import { tflow } from "../core/flow/tflow.ts";

function setup() {
  const master = new Master();
  const reads: string[] = [];
  master.addons.add(
    coreOptions,
    new ProxyServer(master.addons),
    new Onboarding((path) => {
      reads.push(path);
      return Promise.resolve(new TextEncoder().encode("-----BEGIN CERTIFICATE-----"));
    }),
  );
  master.options.update({ confdir: "/conf" });
  return { master, reads };
}

function flowTo(url: string) {
  const flow = tflow();
  flow.request = Request.make("GET", url);
  return flow;
}

Deno.test("onboarding: mitm.it serves the page and the CA files; other hosts pass", async () => {
  const { master, reads } = setup();
  const page = flowTo("http://mitm.it/");
  await master.addons.trigger("request", page);
  strictEqual(page.response?.status_code, 200);
  strictEqual(page.response?.text?.includes("certificate authority"), true);
  const pem = flowTo("http://mitm.it/cert/pem");
  await master.addons.trigger("request", pem);
  strictEqual(pem.response?.headers.get("content-type"), "application/x-x509-ca-cert");
  strictEqual(reads[0], "/conf/mitmproxy-ca-cert.pem");
  const missing = flowTo("http://mitm.it/nope");
  await master.addons.trigger("request", missing);
  strictEqual(missing.response?.status_code, 404);
  const other = flowTo("http://example.com/");
  await master.addons.trigger("request", other);
  strictEqual(other.response, null);
  master.options.update({ onboarding: false });
  const off = flowTo("http://mitm.it/");
  await master.addons.trigger("request", off);
  strictEqual(off.response, null);
});
