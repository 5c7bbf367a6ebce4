/** Flows of kinds core/flow does not model yet (UDP, DNS, a "dummy" kind), built as plain
 * objects of the filter's structural interfaces, like mitmproxy's tudpflow/tdnsflow. */

import type {
  FilterableDnsFlow,
  FilterableFlow,
  FilterableStreamFlow,
} from "../../../core/flowfilter/filterable.ts";
import { tclient, tserver } from "../flow/tflow.ts";

const enc = (s: string) => new TextEncoder().encode(s);

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function tbase(type: string, opts: { err?: boolean } = {}): Mutable<FilterableFlow> {
  return {
    type,
    error: opts.err ? { msg: "error" } : null,
    marked: "",
    is_replay: null,
    metadata: {},
    comment: "",
    client_conn: tclient(),
    server_conn: tserver(),
  };
}

export function tudpflow(opts: { err?: boolean } = {}): Mutable<FilterableStreamFlow> {
  return {
    ...tbase("udp", opts),
    type: "udp",
    messages: [
      { from_client: true, content: enc("hello") },
      { from_client: false, content: enc("it's me") },
    ],
  };
}

export function tdnsflow(opts: { resp?: boolean; err?: boolean } = {}): FilterableDnsFlow {
  const request = {
    questions: [{ name: "dns.google" }],
    toString: () => "dns.google A",
  };
  const response = {
    questions: [{ name: "dns.google" }],
    toString: () => "dns.google A 8.8.8.8",
  };
  return { ...tbase("dns", opts), type: "dns", request, response: opts.resp ? response : null };
}

/** A flow of a kind no kind-restricted operator applies to. */
export function tdummyflow(opts: { err?: boolean } = {}): Mutable<FilterableFlow> {
  return tbase("dummy", opts);
}
