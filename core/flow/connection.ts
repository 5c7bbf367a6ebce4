/** Client and server connections (mitmproxy `connection.py`). Field names and state key order
 * follow mitmproxy's dataclass field order. */

import { latin1Decode, latin1Encode } from "../../codecs/bytes.ts";
import {
  asAddress,
  asBool,
  asBytes,
  asDict,
  asList,
  asNum,
  asStr,
  orNull,
  type StateDict,
  StateError,
  type StateValue,
} from "./state.ts";

export type Address = [host: string, port: number];
export type TransportProtocol = "tcp" | "udp";
/** Upstream proxy spec: `[scheme, [host, port]]`. */
export type ServerSpec = [scheme: string, address: Address];

/** Fields shared by `Client` and `Server`, in state order. */
export interface ConnectionFields {
  peername: Address | null;
  sockname: Address | null;
  id: string;
  transport_protocol: TransportProtocol;
  error: string | null;
  tls: boolean;
  /** Peer certificate chain as PEM strings. */
  certificate_list: string[];
  /** Negotiated ALPN protocol (latin1), e.g. "h2". */
  alpn: string | null;
  alpn_offers: string[];
  cipher: string | null;
  cipher_list: string[];
  tls_version: string | null;
  sni: string | null;
  timestamp_start: number | null;
  timestamp_end: number | null;
  timestamp_tls_setup: number | null;
}

export abstract class Connection implements ConnectionFields {
  peername: Address | null = null;
  sockname: Address | null = null;
  id: string = crypto.randomUUID();
  transport_protocol: TransportProtocol = "tcp";
  error: string | null = null;
  tls = false;
  certificate_list: string[] = [];
  alpn: string | null = null;
  alpn_offers: string[] = [];
  cipher: string | null = null;
  cipher_list: string[] = [];
  tls_version: string | null = null;
  sni: string | null = null;
  timestamp_start: number | null = null;
  timestamp_end: number | null = null;
  timestamp_tls_setup: number | null = null;
  /** Runtime only (mitmproxy's `state`, not serialised since v20). */
  connected = false;

  get tls_established(): boolean {
    return this.timestamp_tls_setup !== null;
  }

  protected assignCommon(init: Partial<ConnectionFields>): void {
    if (init.peername !== undefined) this.peername = init.peername;
    if (init.sockname !== undefined) this.sockname = init.sockname;
    if (init.id !== undefined) this.id = init.id;
    if (init.transport_protocol !== undefined) this.transport_protocol = init.transport_protocol;
    if (init.error !== undefined) this.error = init.error;
    if (init.tls !== undefined) this.tls = init.tls;
    if (init.certificate_list !== undefined) this.certificate_list = init.certificate_list;
    if (init.alpn !== undefined) this.alpn = init.alpn;
    if (init.alpn_offers !== undefined) this.alpn_offers = init.alpn_offers;
    if (init.cipher !== undefined) this.cipher = init.cipher;
    if (init.cipher_list !== undefined) this.cipher_list = init.cipher_list;
    if (init.tls_version !== undefined) this.tls_version = init.tls_version;
    if (init.sni !== undefined) this.sni = init.sni;
    if (init.timestamp_start !== undefined) this.timestamp_start = init.timestamp_start;
    if (init.timestamp_end !== undefined) this.timestamp_end = init.timestamp_end;
    if (init.timestamp_tls_setup !== undefined) {
      this.timestamp_tls_setup = init.timestamp_tls_setup;
    }
  }

  protected commonState(): StateDict {
    return {
      peername: this.peername ? [this.peername[0], this.peername[1]] : null,
      sockname: this.sockname ? [this.sockname[0], this.sockname[1]] : null,
      id: this.id,
      transport_protocol: this.transport_protocol,
      error: this.error,
      tls: this.tls,
      certificate_list: this.certificate_list.map((pem) => latin1Encode(pem)),
      alpn: this.alpn === null ? null : latin1Encode(this.alpn),
      alpn_offers: this.alpn_offers.map((a) => latin1Encode(a)),
      cipher: this.cipher,
      cipher_list: [...this.cipher_list],
      tls_version: this.tls_version,
      sni: this.sni,
      timestamp_start: this.timestamp_start,
      timestamp_end: this.timestamp_end,
      timestamp_tls_setup: this.timestamp_tls_setup,
    };
  }

  abstract getState(): StateDict;
}

function strList(v: StateValue | undefined, where: string): string[] {
  return asList(v, where).map((x, i) => asStr(x, `${where}[${i}]`));
}

function bytesList(v: StateValue | undefined, where: string): string[] {
  return asList(v, where).map((x, i) => latin1Decode(asBytes(x, `${where}[${i}]`)));
}

function latin1OrNull(v: StateValue | undefined, where: string): string | null {
  return orNull(v, where, (x, w) => latin1Decode(asBytes(x, w)));
}

function commonFromState(s: StateDict, where: string): ConnectionFields {
  const tp = asStr(s.transport_protocol ?? "tcp", `${where}.transport_protocol`);
  if (tp !== "tcp" && tp !== "udp") {
    throw new StateError(`${where}.transport_protocol: expected "tcp" or "udp", got ${tp}`);
  }
  return {
    peername: orNull(s.peername, `${where}.peername`, asAddress),
    sockname: orNull(s.sockname, `${where}.sockname`, asAddress),
    id: asStr(s.id, `${where}.id`),
    transport_protocol: tp,
    error: orNull(s.error, `${where}.error`, asStr),
    tls: asBool(s.tls, `${where}.tls`),
    certificate_list: bytesList(s.certificate_list, `${where}.certificate_list`),
    alpn: latin1OrNull(s.alpn, `${where}.alpn`),
    alpn_offers: bytesList(s.alpn_offers, `${where}.alpn_offers`),
    cipher: orNull(s.cipher, `${where}.cipher`, asStr),
    cipher_list: strList(s.cipher_list, `${where}.cipher_list`),
    tls_version: orNull(s.tls_version, `${where}.tls_version`, asStr),
    sni: orNull(s.sni, `${where}.sni`, asStr),
    timestamp_start: orNull(s.timestamp_start, `${where}.timestamp_start`, asNum),
    timestamp_end: orNull(s.timestamp_end, `${where}.timestamp_end`, asNum),
    timestamp_tls_setup: orNull(s.timestamp_tls_setup, `${where}.timestamp_tls_setup`, asNum),
  };
}

export interface ClientInit extends Partial<ConnectionFields> {
  peername: Address | null;
  sockname: Address | null;
  /** TCP accept time, seconds. */
  timestamp_start: number;
  /** Certificate we presented, PEM. */
  mitmcert?: string | null;
  proxy_mode?: string;
}

/** The client connected to the proxy. */
export class Client extends Connection {
  /** The certificate mitmproxy presented to the client, PEM. */
  mitmcert: string | null = null;
  /** Full mode spec, e.g. "regular" or "reverse:https://example.com@8443". */
  proxy_mode = "regular";
  declare timestamp_start: number;

  constructor(init: ClientInit) {
    super();
    this.assignCommon(init);
    if (init.mitmcert !== undefined) this.mitmcert = init.mitmcert;
    if (init.proxy_mode !== undefined) this.proxy_mode = init.proxy_mode;
  }

  getState(): StateDict {
    return {
      ...this.commonState(),
      mitmcert: this.mitmcert === null ? null : latin1Encode(this.mitmcert),
      proxy_mode: this.proxy_mode,
    };
  }

  static fromState(state: StateValue, where = "client_conn"): Client {
    const s = asDict(state, where);
    const common = commonFromState(s, where);
    return new Client({
      ...common,
      timestamp_start: common.timestamp_start ?? 0,
      mitmcert: latin1OrNull(s.mitmcert, `${where}.mitmcert`),
      proxy_mode: asStr(s.proxy_mode, `${where}.proxy_mode`),
    });
  }
}

export interface ServerInit extends Partial<ConnectionFields> {
  /** Address as requested (may be a hostname). */
  address: Address | null;
  timestamp_tcp_setup?: number | null;
  via?: ServerSpec | null;
}

/** The upstream server connection. */
export class Server extends Connection {
  address: Address | null;
  timestamp_tcp_setup: number | null = null;
  via: ServerSpec | null = null;

  constructor(init: ServerInit) {
    super();
    this.assignCommon(init);
    this.address = init.address;
    if (init.timestamp_tcp_setup !== undefined) {
      this.timestamp_tcp_setup = init.timestamp_tcp_setup;
    }
    if (init.via !== undefined) this.via = init.via;
  }

  getState(): StateDict {
    return {
      ...this.commonState(),
      address: this.address ? [this.address[0], this.address[1]] : null,
      timestamp_tcp_setup: this.timestamp_tcp_setup,
      via: this.via ? [this.via[0], [this.via[1][0], this.via[1][1]]] : null,
    };
  }

  static fromState(state: StateValue, where = "server_conn"): Server {
    const s = asDict(state, where);
    let via: ServerSpec | null = null;
    if (s.via !== null && s.via !== undefined) {
      const v = asList(s.via, `${where}.via`);
      via = [asStr(v[0], `${where}.via[0]`), asAddress(v[1], `${where}.via[1]`)];
    }
    return new Server({
      ...commonFromState(s, where),
      address: orNull(s.address, `${where}.address`, asAddress),
      timestamp_tcp_setup: orNull(s.timestamp_tcp_setup, `${where}.timestamp_tcp_setup`, asNum),
      via,
    });
  }
}
