import { equal } from "node:assert/strict";
import { parseFilter } from "../../../core/flowfilter/filter.ts";
import type { FilterableHttpFlow } from "../../../core/flowfilter/filterable.ts";
import {
  bodyText,
  headerBlock,
  latin1ToText,
  metadataText,
  textToLatin1,
} from "../../../core/flowfilter/match_context.ts";
import { tbase } from "./fake_flows.ts";

Deno.test("headerBlock is bytes(headers): Name: value CRLF per field, case and order kept", () => {
  equal(
    headerBlock({ fields: [["Host", "a"], ["X-A", "1"], ["x-a", "2"]] }),
    "Host: a\r\nX-A: 1\r\nx-a: 2\r\n",
  );
  equal(headerBlock({ fields: [] }), "");
});

Deno.test("bodyText: decoded content as latin1, raw when decoding throws, null when none", () => {
  const message = (content: Uint8Array | null, fail = false) => ({
    headers: { fields: [] },
    raw_content: content,
    getContent: () => {
      if (fail) throw new Error("broken");
      return content;
    },
  });
  equal(bodyText(message(new Uint8Array([0x61, 0xe9, 0x80]))), "a\xe9\x80");
  equal(bodyText(message(new Uint8Array([0x62]), true)), "b");
  equal(bodyText(message(null)), null);
});

Deno.test("latin1ToText and textToLatin1 convert between bytes-as-text and str", () => {
  equal(latin1ToText("/caf\xc3\xa9"), "/café");
  equal(latin1ToText("/plain"), "/plain");
  equal(latin1ToText("/\xff"), "/\udcff");
  equal(latin1ToText("/測"), "/測");
  equal(textToLatin1("café"), "caf\xc3\xa9");
  equal(textToLatin1("abc"), "abc");
});

Deno.test("metadataText: one `key: str(value)` line per item", () => {
  equal(metadataText({ a: 1, b: "s", c: { k: [null] } }), "a: 1\nb: s\nc: {'k': [None]}");
  equal(metadataText({}), "");
});

Deno.test("one match builds each header block and decodes each body once", () => {
  let decodes = 0;
  let fieldReads = 0;
  const message = {
    get headers() {
      fieldReads++;
      return { fields: [["A", "b"]] as [string, string][] };
    },
    raw_content: new Uint8Array([0x78]),
    getContent: () => {
      decodes++;
      return new Uint8Array([0x78]);
    },
  };
  const flow: FilterableHttpFlow = {
    ...tbase("http"),
    type: "http",
    request: { ...message, method: "GET", host: "h", pretty_host: "h", pretty_url: "http://h/" },
    response: null,
    websocket: null,
  };
  Object.defineProperty(
    flow.request,
    "headers",
    Object.getOwnPropertyDescriptor(message, "headers")!,
  );
  fieldReads = 0;
  const filter = parseFilter("~b nope | ~bq nope2 | ~b x");
  equal(filter.match(flow), true);
  equal(decodes, 1);
  equal(parseFilter("~h nope | ~hq nope2 | ~h A").match(flow), true);
  equal(fieldReads, 1);
  filter.match(flow);
  equal(decodes, 2, "nothing is cached across matches (the flow may change)");
});
