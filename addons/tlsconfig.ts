/**
 * TLS policy (mitmproxy's `tlsconfig.py`): declares the TLS options and, in the
 * `tls_start_*` hooks, decides what each handshake uses — the forged certificate for the
 * client side, SNI/ALPN/verification for the server side. Also `ignore_hosts` on SNI and,
 * beyond mitmproxy, automatic passthrough for clients that pin their certificates.
 */
import { Server } from "../core/flow/connection.ts";
import type { ClientHelloHookData, Loader, TlsHookData } from "../core/hooks.ts";
import type { Logger } from "../core/log.ts";
import { OptionsError } from "../core/option_types.ts";
import type { Options } from "../core/options.ts";
import { loadOrCreateCa } from "../core/certs/ca_files.ts";
import { CertStore } from "../core/certs/cert_store.ts";
import { certProviderFor } from "../core/certs/cert_provider.ts";
import type { RsaSignerFactory } from "../core/certs/rsa_signer.ts";
import { expandHome } from "../core/paths.ts";
import type { Context } from "../layers/context.ts";
import type {
  TlsClientSideSettings,
  TlsServerSideSettings,
  TlsVersionName,
} from "../layers/tls_settings.ts";

/** Where forged certificates come from (the cert store in production, fakes in tests). */
export interface CertProvider {
  getCert(request: {
    sni: string | null;
    address: string | null;
    upstreamCertPem: string | null;
  }): Promise<{ certChainPem: string; keyPem: string }>;
}

/**
 * Reads trust and client-certificate files (kept apart so tests need no file system).
 * Synchronous: `configure` must be, and these are small files read once.
 */
export interface TlsFiles {
  readText(path: string): string;
  /** PEM files of a directory (`ssl_verify_upstream_trusted_confdir`, `client_certs`). */
  listDir(path: string): string[];
  isDirectory(path: string): boolean;
}

const VERSIONS = ["UNBOUNDED", "SSL3", "TLS1", "TLS1_1", "TLS1_2", "TLS1_3"];
const NODE_VERSION: Record<string, TlsVersionName | undefined> = {
  UNBOUNDED: undefined,
  SSL3: "TLSv1",
  TLS1: "TLSv1",
  TLS1_1: "TLSv1.1",
  TLS1_2: "TLSv1.2",
  TLS1_3: "TLSv1.3",
};
/** HTTP/2 is not spoken yet, so only HTTP/1 protocols are negotiated. */
const HTTP_ALPNS = ["http/1.1", "http/1.0", "http/0.9"];

const IP_LITERAL = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]*:[0-9a-f:.]*)$/i;

export class TlsConfig {
  readonly name = "tlsconfig";
  #options: Options | null = null;
  #logger: Logger | null = null;
  #trustedCa: string | undefined;
  #pinnedHosts = new Set<string>();

  #store: CertStore | null = null;
  readonly certs: CertProvider;

  /**
   * `certs` replaces the CA-backed certificate store (tests); by default it is built at start.
   * `rsaSigner` offers a faster engine for signing leaves (OpenSSL through FFI, injected by the
   * entry point); it is used only if its test signature verifies.
   */
  constructor(
    readonly files: TlsFiles = DENO_TLS_FILES,
    certs?: CertProvider,
    readonly rsaSigner: RsaSignerFactory | null = null,
  ) {
    this.certs = certs ?? {
      getCert: (request) => {
        if (this.#store === null) throw new Error("the certificate authority is not loaded yet");
        return certProviderFor(this.#store).getCert(request);
      },
    };
  }

  /** The loaded CA and leaf store (null before `running`, or with a custom provider). */
  get store(): CertStore | null {
    return this.#store;
  }

  /**
   * Loads the CA from the confdir (creating it on first start) and the `--certs`. A broken
   * CA file is an error that stops start-up, never a silently new CA.
   */
  async running(): Promise<void> {
    const options = this.#options!;
    const confdir = expandHome(options.get("confdir") as string);
    let store: CertStore;
    try {
      const loaded = await loadOrCreateCa(confdir, { keySize: options.get("key_size") as number });
      for (const warning of loaded.warnings) this.#logger!.warn(warning);
      if (loaded.created) this.#logger!.info(`Created a new CA in ${confdir}.`);
      if (this.rsaSigner !== null) {
        const signer = await loaded.ca.useNativeSigner(this.rsaSigner);
        this.#logger!.debug(`Leaf certificates are signed with ${signer.name}.`);
      }
      store = new CertStore(loaded.ca);
    } catch (e) {
      this.#logger!.error(
        `Cannot load the certificate authority: ${e instanceof Error ? e.message : e}`,
      );
      return;
    }
    for (const spec of options.get("certs") as string[]) {
      try {
        for (const warning of await store.addCustomCert(spec)) this.#logger!.warn(warning);
      } catch (e) {
        this.#logger!.error(
          `Cannot load certificate "${spec}": ${e instanceof Error ? e.message : e}`,
        );
      }
    }
    this.#store = store;
  }

  done(): void {
    this.#store?.ca.closeSigner();
  }

  load(loader: Loader): void {
    this.#options = loader.options;
    this.#logger = loader.logger;
    const add = loader.add_option.bind(loader);
    add(
      "certs",
      "sequence of str",
      [],
      'SSL certificates of the form "[domain=]path". The domain may include a wildcard, and is equal to "*" if not specified. The file at path is a certificate in PEM format; if a private key is included in the PEM, it is used, else the default key in the conf dir is used.',
    );
    add("key_size", "int", 2048, "TLS key size for certificates and CA.");
    add(
      "upstream_cert",
      "bool",
      true,
      "Connect to upstream server to look up certificate details.",
    );
    add(
      "add_upstream_certs_to_client_chain",
      "bool",
      false,
      "Add all certificates of the upstream server to the certificate chain that will be served to the proxy client, as extras.",
    );
    add(
      "ssl_insecure",
      "bool",
      false,
      "Do not verify upstream server SSL/TLS certificates. If this option is enabled, certificate validation is skipped and mitmdeno itself will be vulnerable to TLS interception.",
    );
    add(
      "ssl_verify_upstream_trusted_ca",
      "optional str",
      null,
      "Path to a PEM formatted trusted CA certificate.",
    );
    add(
      "ssl_verify_upstream_trusted_confdir",
      "optional str",
      null,
      "Path to a directory of trusted CA certificates (PEM files) for upstream server verification.",
    );
    add(
      "client_certs",
      "optional str",
      null,
      "Client certificate file or directory (a directory holds <host>.pem files).",
    );
    add(
      "ciphers_client",
      "optional str",
      null,
      "Set supported ciphers for client <-> mitmdeno connections using OpenSSL syntax (as far as the TLS engine allows).",
    );
    add(
      "ciphers_server",
      "optional str",
      null,
      "Set supported ciphers for mitmdeno <-> server connections using OpenSSL syntax (as far as the TLS engine allows).",
    );
    for (const side of ["client", "server"]) {
      add(
        `tls_version_${side}_min`,
        "str",
        "TLS1_2",
        `Set the minimum TLS version for ${side} connections. UNBOUNDED, SSL3, TLS1 and TLS1_1 are insecure (and not offered by the TLS engine).`,
        VERSIONS,
      );
      add(
        `tls_version_${side}_max`,
        "str",
        "UNBOUNDED",
        `Set the maximum TLS version for ${side} connections.`,
        VERSIONS,
      );
    }
    add(
      "tls_passthrough_on_failure",
      "bool",
      false,
      "When a client aborts the TLS handshake with the proxy (certificate pinning), pass later connections to that host through untouched.",
    );
  }

  configure(updated: ReadonlySet<string>): void {
    const options = this.#options!;
    if (
      updated.has("ssl_verify_upstream_trusted_ca") ||
      updated.has("ssl_verify_upstream_trusted_confdir")
    ) {
      this.#trustedCa = this.#loadTrust(options);
    }
  }

  #loadTrust(options: Options): string | undefined {
    const parts: string[] = [];
    const file = options.get("ssl_verify_upstream_trusted_ca") as string | null;
    const dir = options.get("ssl_verify_upstream_trusted_confdir") as string | null;
    try {
      if (file !== null) parts.push(this.files.readText(file));
      if (dir !== null) {
        for (const path of this.files.listDir(dir)) {
          parts.push(this.files.readText(path));
        }
      }
    } catch (e) {
      throw new OptionsError(
        `Cannot read trusted CA certificates: ${e instanceof Error ? e.message : e}`,
      );
    }
    return parts.length > 0 ? parts.join("\n") : undefined;
  }

  tls_clienthello(data: ClientHelloHookData): void {
    const context = data.context as Context;
    const sni = data.client_hello.sni;
    const port = context.server.address?.[1] ?? 443;
    if (sni !== null) {
      const candidate = `${sni}:${port}`;
      const { ignore_hosts, allow_hosts } = context.options;
      if (
        ignore_hosts.some((r) => r.test(candidate)) ||
        (allow_hosts.length > 0 && !allow_hosts.some((r) => r.test(candidate)))
      ) {
        data.ignore_connection = true;
        return;
      }
    }
    const host = sni ?? context.server.address?.[0];
    if (host !== undefined && this.#pinnedHosts.has(host)) data.ignore_connection = true;
  }

  tls_failed_client(data: TlsHookData): void {
    const options = this.#options!;
    if (!(options.get("tls_passthrough_on_failure") as boolean)) return;
    const context = data.context as Context;
    const host = context.client.sni ?? context.server.address?.[0];
    if (host === undefined || this.#pinnedHosts.has(host)) return;
    this.#pinnedHosts.add(host);
    this.#logger!.info(
      `${host} rejected the proxy's certificate; its next connections pass through untouched (tls_passthrough_on_failure).`,
    );
  }

  async tls_start_client(data: TlsHookData): Promise<void> {
    if (data.settings !== null) return; // another addon decided
    const options = this.#options!;
    const context = data.context as Context;
    const { client, server } = context;
    const upstream = server.certificate_list[0] ?? null;
    let cert: { certChainPem: string; keyPem: string };
    try {
      cert = await this.certs.getCert({
        sni: client.sni,
        address: server.address?.[0] ?? client.sockname?.[0] ?? null,
        upstreamCertPem: options.get("upstream_cert") ? upstream : null,
      });
    } catch (e) {
      this.#logger!.error(
        `Cannot make a certificate for ${client.sni ?? server.address?.[0] ?? "the client"}: ${
          e instanceof Error ? e.message : e
        }`,
      );
      return;
    }
    const extras = options.get("add_upstream_certs_to_client_chain")
      ? server.certificate_list.join("")
      : "";
    const settings: TlsServerSideSettings = {
      side: "server",
      certChainPem: cert.certChainPem + extras,
      keyPem: cert.keyPem,
      alpn: chooseClientAlpn(
        client.alpn_offers,
        server.tls_established ? server.alpn : undefined,
        context.options.http2,
      ),
      minVersion: NODE_VERSION[options.get("tls_version_client_min") as string],
      maxVersion: NODE_VERSION[options.get("tls_version_client_max") as string],
      ciphers: (options.get("ciphers_client") as string | null) ?? undefined,
      prefix: new Uint8Array(0),
    };
    data.settings = settings;
  }

  tls_start_server(data: TlsHookData): void {
    if (data.settings !== null) return;
    const options = this.#options!;
    const context = data.context as Context;
    const server = data.conn as Server;
    const host = server.address?.[0] ?? "";
    const sniCandidate = server.sni ?? context.client.sni ?? host;
    const sni = sniCandidate !== "" && !IP_LITERAL.test(sniCandidate) ? sniCandidate : null;
    const supported = context.options.http2 ? ["h2", ...HTTP_ALPNS] : HTTP_ALPNS;
    const offers = context.client.alpn_offers.filter((p) => supported.includes(p));
    const clientCert = this.#clientCert(options, sni ?? host);
    const settings: TlsClientSideSettings = {
      side: "client",
      sni,
      alpnOffers: offers,
      verify: !(options.get("ssl_insecure") as boolean),
      verifyHost: sni ?? host,
      caPem: this.#trustedCa,
      clientCertPem: clientCert,
      clientKeyPem: clientCert,
      minVersion: NODE_VERSION[options.get("tls_version_server_min") as string],
      maxVersion: NODE_VERSION[options.get("tls_version_server_max") as string],
      ciphers: (options.get("ciphers_server") as string | null) ?? undefined,
    };
    data.settings = settings;
  }

  /** `client_certs`: one PEM (cert + key) for every server, or a directory of `<host>.pem`. */
  #clientCert(options: Options, host: string): string | undefined {
    const path = options.get("client_certs") as string | null;
    if (path === null) return undefined;
    try {
      if (this.files.isDirectory(path)) {
        const wanted = `${host}.pem`;
        const match = this.files.listDir(path).find((p) => p.endsWith(`/${wanted}`));
        return match ? this.files.readText(match) : undefined;
      }
      return this.files.readText(path);
    } catch (e) {
      this.#logger!.warn(
        `Cannot read client certificate ${path}: ${e instanceof Error ? e.message : e}`,
      );
      return undefined;
    }
  }
}

/**
 * mitmproxy's ALPN choice toward the client: the server's protocol when the client offered
 * it, else the client's first HTTP/1 offer; none when the server refused ALPN.
 */
export function chooseClientAlpn(
  offers: readonly string[],
  serverAlpn: string | null | undefined,
  http2 = true,
): string | null {
  if (offers.length === 0) return null;
  if (serverAlpn !== undefined) {
    if (serverAlpn === null) return offers.includes("http/1.1") ? "http/1.1" : null;
    return offers.includes(serverAlpn) ? serverAlpn : null;
  }
  const supported = http2 ? ["h2", ...HTTP_ALPNS] : HTTP_ALPNS;
  return offers.find((p) => supported.includes(p)) ?? null;
}

/** The real file access for `TlsFiles`. */
export const DENO_TLS_FILES: TlsFiles = {
  readText: (path) => Deno.readTextFileSync(path),
  listDir(path) {
    const out: string[] = [];
    for (const entry of Deno.readDirSync(path)) {
      if (entry.isFile && /\.(pem|crt|cer|0)$/i.test(entry.name)) out.push(`${path}/${entry.name}`);
    }
    return out.sort();
  },
  isDirectory(path) {
    return Deno.statSync(path).isDirectory;
  },
};
