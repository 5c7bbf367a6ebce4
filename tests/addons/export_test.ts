import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { Export } from "../../addons/export.ts";
import { CommandError } from "../../core/command.ts";
import { ClipboardError } from "../../core/export/clipboard.ts";
import type { Flow } from "../../core/flow/flow.ts";
import { Master } from "../../core/master.ts";
import { tflow, ttcpflow } from "../core/flow/tflow.ts";
import { getRequest, getResponse } from "../core/export/flows.ts";

const FORMATS = [
  "curl",
  "fetch",
  "httpie",
  "python-requests",
  "raw",
  "raw_request",
  "raw_response",
];

function setup(focus: Flow = getResponse()): { master: Master; copied: string[] } {
  const master = new Master();
  const copied: string[] = [];
  master.addons.add(new Export({ clipboard: (text) => Promise.resolve(void copied.push(text)) }));
  master.commands.flowResolver = { resolve: (spec) => (spec === "@focus" ? [focus] : []) };
  return { master, copied };
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "mitmdeno-export-addon-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("export.formats lists the formats; the commands have mitmproxy's signatures", async () => {
  const { master } = setup();
  deepStrictEqual(await master.commands.call("export.formats"), FORMATS);
  deepStrictEqual(await master.commands.execute("export.formats"), FORMATS);
  strictEqual(master.commands.get("export.file").signature, "export.file format flow path");
  strictEqual(master.commands.get("export.clip").signature, "export.clip format flow");
  strictEqual(master.commands.get("export").signature, "export format flow -> str");
  strictEqual(master.commands.get("export.formats").signature, "export.formats -> str[]");
});

Deno.test("export.file writes text formats as UTF-8 and raw formats byte for byte", () =>
  withTempDir(async (dir) => {
    const flow = getResponse();
    flow.request.headers.add("X-Bin", "\xff");
    const { master } = setup(flow);
    await master.commands.execute(`export.file curl @focus ${dir}/curl.sh`);
    strictEqual(
      await Deno.readTextFile(`${dir}/curl.sh`),
      `curl -H 'header: qvalue' -H "$(printf 'X-Bin: \\377')" -X GET http://address:22/path ` +
        "--data-binary content",
    );
    await master.commands.call("export.file", "raw_request", flow, `${dir}/req.bin`);
    const bytes = await Deno.readFile(`${dir}/req.bin`);
    strictEqual(bytes.includes(0xff), true, "the raw 0xff byte is written as is");
    strictEqual(
      bytes.length,
      "GET /path HTTP/1.1\r\nheader: qvalue\r\ncontent-length: 7\r\n".length +
        "X-Bin: \xff\r\n\r\ncontent".length,
    );
  }));

Deno.test("export.file: unknown formats, unwritable paths and TCP flows are CommandErrors", () =>
  withTempDir(async (dir) => {
    const { master } = setup();
    await rejects(master.commands.execute(`export.file nope @focus ${dir}/x`), {
      name: "CommandError",
      message: /"nope" is not one of curl, fetch, httpie, python-requests, raw, raw_request/,
    });
    await rejects(master.commands.call("export.file", "nope", tflow(), `${dir}/x`), {
      name: "ExportError",
      message: /^No such export format: nope/,
    });
    await rejects(
      master.commands.call("export.file", "raw", getResponse(), `${dir}/missing/x`),
      (e) => e instanceof CommandError && e.message.startsWith(`Cannot write ${dir}/missing/x:`),
    );
    await rejects(master.commands.call("export.file", "curl", ttcpflow(), `${dir}/x`), {
      message: "Can't export a TCP flow as curl: only HTTP flows can be exported.",
    });
    await rejects(master.commands.call("export.file", "curl", "not a flow", `${dir}/x`), {
      message: "Expected a flow to export, got string",
    });
  }));

Deno.test("export.clip copies the text; bytes that are not UTF-8 show as \\xNN", async () => {
  const flow = getRequest();
  flow.request.headers.add("X-Bin", "\xff");
  const { master, copied } = setup(flow);
  await master.commands.execute("export.clip httpie @focus");
  await master.commands.execute("export.clip raw_request @focus");
  deepStrictEqual(copied, [
    `http GET 'http://address:22/path?a=foo&a=bar&b=baz' 'header: qvalue' "$(printf 'X-Bin: \\377')"`,
    "GET /path?a=foo&a=bar&b=baz HTTP/1.1\r\nheader: qvalue\r\ncontent-length: 0\r\nX-Bin: \\xff\r\n\r\n",
  ]);
});

Deno.test("export.clip: a missing clipboard tool is reported, not swallowed", async () => {
  const master = new Master();
  master.addons.add(
    new Export({ clipboard: () => Promise.reject(new ClipboardError("install xclip")) }),
  );
  await rejects(master.commands.call("export.clip", "curl", getRequest()), {
    name: "ClipboardError",
    message: "install xclip",
  });
});

Deno.test("export returns the text; export_preserve_original_ip reaches curl", async () => {
  const flow = getRequest();
  flow.request.headers.set("host", "domain:22");
  const { master } = setup(flow);
  strictEqual(master.options.get("export_preserve_original_ip"), false);
  const plain = await master.commands.execute("export curl @focus");
  strictEqual(
    plain,
    "curl -H 'header: qvalue' -H 'host: domain:22' 'http://domain:22/path?a=foo&a=bar&b=baz'",
  );
  master.options.update({ export_preserve_original_ip: true });
  const pinned = await master.commands.call("export", "curl", flow);
  ok(
    (pinned as string).startsWith("curl --resolve 'domain:22:[192.168.0.1]' -H 'header: qvalue'"),
  );
});
