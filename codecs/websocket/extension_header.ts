/**
 * The `Sec-WebSocket-Extensions` header (RFC 6455 §9.1):
 *
 * ```
 * extension-list  = 1#extension
 * extension       = extension-token *( ";" extension-param )
 * extension-param = token [ "=" (token | quoted-string) ]
 * ```
 *
 * A quoted-string value must itself be a token once unquoted. Empty list elements are skipped,
 * as for every `#rule` list (RFC 9110 §5.6.1). Several header lines form one list, in order.
 */

/** One extension as offered or accepted; `true` is a parameter without a value. */
export interface ExtensionItem {
  name: string;
  params: [name: string, value: string | true][];
}

// RFC 9110 tchar: "!#$%&'*+-.^_`|~", digits and letters.
const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

function isTchar(c: string): boolean {
  return c.length === 1 && TCHAR.test(c);
}

/** Parses one or more header values into extensions, lowercasing names. */
export function parseExtensionHeader(
  values: string | readonly string[],
): ExtensionItem[] | { error: string } {
  const text = typeof values === "string" ? values : values.join(",");
  const out: ExtensionItem[] = [];
  let i = 0;
  const n = text.length;
  const skipSpace = () => {
    while (i < n && (text[i] === " " || text[i] === "\t")) i++;
  };
  const token = (): string => {
    const start = i;
    while (i < n && isTchar(text[i])) i++;
    return text.slice(start, i);
  };
  const fail = (what: string) => ({
    error: `Sec-WebSocket-Extensions: ${what} at offset ${i} in ${JSON.stringify(text)}`,
  });
  while (i < n) {
    skipSpace();
    if (i < n && text[i] === ",") {
      i++;
      continue;
    }
    if (i === n) break;
    const name = token();
    if (name === "") return fail("expected an extension name");
    const item: ExtensionItem = { name: name.toLowerCase(), params: [] };
    skipSpace();
    while (i < n && text[i] === ";") {
      i++;
      skipSpace();
      const param = token();
      if (param === "") return fail("expected a parameter name");
      skipSpace();
      let value: string | true = true;
      if (i < n && text[i] === "=") {
        i++;
        skipSpace();
        if (text[i] === '"') {
          i++;
          let unquoted = "";
          while (i < n && text[i] !== '"') {
            if (text[i] === "\\") i++;
            if (i < n) unquoted += text[i++];
          }
          if (i === n) return fail("unterminated quoted string");
          i++;
          if (unquoted === "" || ![...unquoted].every(isTchar)) {
            return fail("quoted parameter value is not a token");
          }
          value = unquoted;
        } else {
          value = token();
          if (value === "") return fail("expected a parameter value");
        }
        skipSpace();
      }
      item.params.push([param.toLowerCase(), value]);
    }
    if (i < n && text[i] !== ",") return fail(`unexpected ${JSON.stringify(text[i])}`);
    out.push(item);
  }
  return out;
}

/** Serialises extensions for a header value, e.g. "permessage-deflate; client_max_window_bits". */
export function formatExtensionHeader(items: readonly ExtensionItem[]): string {
  return items.map((item) =>
    [item.name, ...item.params.map(([k, v]) => v === true ? k : `${k}=${v}`)].join("; ")
  ).join(", ");
}
