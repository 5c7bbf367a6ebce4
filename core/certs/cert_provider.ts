/**
 * Adapts a `CertStore` to the request/response shape the `tlsconfig` addon asks for
 * (`CertProvider` in addons/tlsconfig.ts, matched structurally so core does not import addons).
 */

import type { CertStore } from "./cert_store.ts";
import { upstreamCertFromPem } from "./upstream_cert.ts";

export interface CertProviderRequest {
  sni: string | null;
  /** The server host if known, else the local address the client connected to. */
  address: string | null;
  /** The upstream leaf (PEM) when `upstream_cert` is on and the server handshake happened. */
  upstreamCertPem: string | null;
}

export interface ProvidedCert {
  /** Leaf followed by its chain. */
  certChainPem: string;
  keyPem: string;
}

export function certProviderFor(store: CertStore): {
  getCert(request: CertProviderRequest): Promise<ProvidedCert>;
} {
  return {
    async getCert({ sni, address, upstreamCertPem }) {
      const upstreamCert = upstreamCertPem ? upstreamCertFromPem(upstreamCertPem) : null;
      const entry = await store.getCert({
        sni,
        address: address === null ? null : [address, 0],
        upstreamCert,
      });
      return { certChainPem: entry.certPem + entry.chainPems.join(""), keyPem: entry.keyPem };
    },
  };
}
