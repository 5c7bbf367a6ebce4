/**
 * What a TLS handshake needs, as plain data: layers and addons decide it, and the proxy's
 * TLS engine (`proxy/tls_session.ts`) carries it out. No engine objects cross this line, so
 * layers stay sans-io and playbook-testable.
 */

export type TlsVersionName = "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3";

/** We are the TLS server toward a client: the certificate we present and the ALPN we pick. */
export interface TlsServerSideSettings {
  readonly side: "server";
  /** Leaf certificate, then intermediates (PEM). */
  readonly certChainPem: string;
  readonly keyPem: string;
  /** The protocol to select from the client's offers; null = negotiate no ALPN. */
  readonly alpn: string | null;
  readonly minVersion?: TlsVersionName;
  readonly maxVersion?: TlsVersionName;
  readonly ciphers?: string;
  /** Bytes already read from the client (its ClientHello), replayed into the engine. */
  readonly prefix: Uint8Array;
}

/** We are the TLS client toward a server. */
export interface TlsClientSideSettings {
  readonly side: "client";
  /** Server name to send (never an IP literal); null = no SNI. */
  readonly sni: string | null;
  readonly alpnOffers: readonly string[];
  /** Verify the server's certificate chain and name. */
  readonly verify: boolean;
  /** Host name or IP to verify the certificate against when `sni` is null. */
  readonly verifyHost: string;
  /** Extra trusted CA certificates (PEM), added to the default roots. */
  readonly caPem?: string;
  readonly clientCertPem?: string;
  readonly clientKeyPem?: string;
  readonly minVersion?: TlsVersionName;
  readonly maxVersion?: TlsVersionName;
  readonly ciphers?: string;
}

export type TlsSettings = TlsServerSideSettings | TlsClientSideSettings;

/** The reply to `StartTls`. */
export type TlsHandshakeResult =
  | {
    readonly ok: true;
    readonly alpn: string | null;
    readonly tlsVersion: string | null;
    readonly cipher: string | null;
    /** The peer's certificate chain, leaf first (PEM); empty when the peer sent none. */
    readonly peerCertificates: readonly string[];
    /** Whether the peer's chain verified (client side only). */
    readonly authorized: boolean;
  }
  | { readonly ok: false; readonly error: string };
