/**
 * node:tls secure contexts for both sides of intercepted connections, cached: the TLS engine
 * reads its certificate, key and CA settings from them on every handshake, but building one
 * costs from ~0.1 ms (a forged leaf) to ~14 ms (a client context with a large CA store).
 */
import * as tls from "node:tls";
import { LruCache } from "../core/certs/lru_cache.ts";
import type { TlsClientSideSettings, TlsSettings } from "../layers/tls_settings.ts";

/** Both sides' contexts, by everything that went into them. */
const CONTEXTS = new LruCache<string, tls.SecureContext>(256);

function cached(key: string, build: () => tls.SecureContext): tls.SecureContext {
  let context = CONTEXTS.get(key);
  if (context === undefined) {
    context = build();
    CONTEXTS.set(key, context);
  }
  return context;
}

export function serverContext(
  certChainPem: string,
  keyPem: string,
  settings: TlsSettings,
): tls.SecureContext {
  const key = `${settings.minVersion ?? ""}|${settings.maxVersion ?? ""}|${
    settings.ciphers ?? ""
  }|${certChainPem}`;
  return cached(key, () => {
    const options = {
      cert: certChainPem,
      minVersion: settings.minVersion,
      maxVersion: settings.maxVersion,
      ciphers: settings.ciphers,
    };
    return withValidatedKey(tls.createSecureContext(options), keyPem) ??
      tls.createSecureContext({ ...options, key: keyPem });
  });
}

/**
 * Client-side contexts, cached: building one with the root store plus an extra CA costs
 * ~14 ms (measured), far too much per upstream connection.
 */
export function clientContext(settings: TlsClientSideSettings): tls.SecureContext {
  const key = `client|${settings.minVersion ?? ""}|${settings.maxVersion ?? ""}|${
    settings.ciphers ?? ""
  }|${settings.caPem ?? ""}|${settings.clientCertPem ?? ""}`;
  return cached(key, () =>
    tls.createSecureContext({
      // As mitmproxy: a trusted CA file replaces the default store. It also keeps node's
      // per-handshake chain completion cheap (it parses every `ca` entry on each call).
      ca: settings.caPem ?? undefined,
      cert: settings.clientCertPem,
      key: settings.clientKeyPem,
      minVersion: settings.minVersion,
      maxVersion: settings.maxVersion,
      ciphers: settings.ciphers,
    }));
}

/** Deno 2.9.6's SecureContext: a plain record the engine reads its key and certificate from. */
interface ContextRecord {
  key?: unknown;
  cert?: unknown;
}

/** One context per key, built once the official way: that checks (parses) the key. */
const KEY_CONTEXTS = new LruCache<string, ContextRecord>(16);

/**
 * Gives `context` the key of an earlier, validated context with the same PEM. Forged leaves
 * all share the CA's key, and node:tls in Deno parses the key again for every new context to
 * check its strength (0.1 ms alone, 0.2-0.4 ms of each new name under load, measured). Null
 * when the context does not look like Deno 2.9.6's record: the caller then builds it the
 * official way.
 */
function withValidatedKey(context: tls.SecureContext, keyPem: string): tls.SecureContext | null {
  const record = recordOf(context);
  if (record === null || !("key" in record)) return null;
  let keyed = KEY_CONTEXTS.get(keyPem);
  if (keyed === undefined) {
    const validated = recordOf(tls.createSecureContext({ key: keyPem }));
    if (validated === null || typeof validated.key !== "string") return null;
    keyed = validated;
    KEY_CONTEXTS.set(keyPem, keyed);
  }
  record.key = keyed.key;
  return context;
}

function recordOf(context: tls.SecureContext): ContextRecord | null {
  const record = (context as unknown as { context?: unknown }).context;
  return typeof record === "object" && record !== null ? record as ContextRecord : null;
}

/** Keys the engine has used in a completed handshake. */
const PROVEN_KEYS = new LruCache<string, true>(16);

/**
 * Whether a server handshake with this key may skip handing the engine its context up front.
 * The engine parses a context's key and certificate when the TLS socket is built and again when
 * the SNI callback answers (measured: 10-20 % of a handshake's CPU is the first parse). A key it
 * has not accepted yet is still given up front: that is where an unreadable key fails cleanly,
 * while at the SNI answer the handshake would stall without an error.
 */
export function serverKeyProven(keyPem: string): boolean {
  return PROVEN_KEYS.get(keyPem) === true;
}

/** Records that a server handshake with this key completed. */
export function markServerKeyProven(keyPem: string): void {
  if (PROVEN_KEYS.get(keyPem) === undefined) PROVEN_KEYS.set(keyPem, true);
}
