import assert from "node:assert/strict";
import fc from "fast-check";
import { defineOption, OptionsError, parseSize } from "../../core/option_types.ts";
import { Options } from "../../core/options.ts";

function makeOptions(): Options {
  const o = new Options();
  o.add({ name: "anticache", type: "bool", default: false, help: "Strip cache headers." });
  o.add({ name: "server", type: "bool", default: true, help: "Start a proxy server." });
  o.add({ name: "listen_host", type: "str", default: "", help: "Address to bind to." });
  o.add({ name: "listen_port", type: "optional int", default: null, help: "Port." });
  o.add({ name: "content_view_lines_cutoff", type: "int", default: 512, help: "Lines." });
  o.add({ name: "rfile", type: "optional str", default: null, help: "Read flows from file." });
  o.add({ name: "scripts", type: "sequence of str", default: [], help: "Execute a script." });
  o.add({ name: "mode", type: "sequence of str", default: ["regular"], help: "Modes." });
  o.add({
    name: "termlog_verbosity",
    type: "str",
    default: "info",
    help: "Log verbosity.",
    choices: ["error", "warn", "info", "alert", "debug"],
  });
  return o;
}

function throwsOptions(fn: () => unknown, message: string | RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof OptionsError, `expected OptionsError, got ${e}`);
    if (typeof message === "string") assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

Deno.test("add: defaults, duplicate names, bad declarations", () => {
  const o = makeOptions();
  assert.equal(o.get("server"), true);
  assert.deepEqual(o.get("mode"), ["regular"]);
  assert.ok(o.has("listen_port"));
  assert.ok(!o.has("nope"));
  assert.equal(o.names()[0], "anticache");
  throwsOptions(
    () => o.add({ name: "server", type: "bool", default: false, help: "" }),
    'Option "server" is already declared',
  );
  throwsOptions(
    // deno-lint-ignore no-explicit-any
    () => o.add({ name: "x", type: "int", default: "8" as any, help: "" }),
    /Bad default for option "x": .*expected int/,
  );
  throwsOptions(
    () => o.add({ name: "y", type: "int", default: 1, help: "", choices: ["1"] }),
    /cannot have choices/,
  );
  throwsOptions(
    () => o.add({ name: "a b", type: "int", default: 1, help: "" }),
    /Invalid option name/,
  );
  o.add({ name: "multi", type: "bool", default: false, help: "  one\n    two  " });
  assert.equal(o.spec("multi").help, "one two");
});

Deno.test("get: typed by declaration; unknown names suggest close ones", () => {
  const o = makeOptions();
  const BLOCK_GLOBAL = defineOption({
    name: "block_global",
    type: "bool",
    default: true,
    help: "Block global.",
  });
  o.add(BLOCK_GLOBAL);
  const v: boolean = o.get(BLOCK_GLOBAL);
  assert.equal(v, true);
  const port = o.get<number | null>("listen_port");
  assert.equal(port, null);
  throwsOptions(
    () => o.get("listen_prot"),
    'Unknown option: "listen_prot" (did you mean "listen_port" or "listen_host"?)',
  );
  const wrong = defineOption({ name: "server", type: "str", default: "", help: "" });
  throwsOptions(() => o.get(wrong), /declared as bool, read as str/);
});

Deno.test("sequences are frozen copies", () => {
  const o = makeOptions();
  const input = ["a.ts"];
  o.update({ scripts: input });
  input.push("b.ts");
  const value = o.get<readonly string[]>("scripts");
  assert.deepEqual(value, ["a.ts"]);
  assert.ok(Object.isFrozen(value));
});

Deno.test("--set: bool", () => {
  const o = makeOptions();
  assert.deepEqual(o.parseSetArgs(["anticache"]), { anticache: true });
  assert.deepEqual(o.parseSetArgs(["anticache=true"]), { anticache: true });
  assert.deepEqual(o.parseSetArgs(["anticache="]), { anticache: true });
  assert.deepEqual(o.parseSetArgs(["server=false"]), { server: false });
  assert.deepEqual(o.parseSetArgs(["server=toggle"]), { server: false });
  assert.deepEqual(o.parseSetArgs(["anticache=toggle"]), { anticache: true });
  throwsOptions(
    () => o.parseSetArgs(["server=yes"]),
    'Invalid value for option "server": "yes" is not a boolean ' +
      "(use true, false or toggle; no value means true)",
  );
});

Deno.test("--set: int and optional int", () => {
  const o = makeOptions();
  assert.deepEqual(o.parseSetArgs(["listen_port=8081"]), { listen_port: 8081 });
  assert.deepEqual(o.parseSetArgs(["listen_port=-1"]), { listen_port: -1 });
  assert.deepEqual(o.parseSetArgs(["listen_port="]), { listen_port: null });
  assert.deepEqual(o.parseSetArgs(["listen_port"]), { listen_port: null });
  assert.deepEqual(o.parseSetArgs(["content_view_lines_cutoff=1_000"]), {
    content_view_lines_cutoff: 1000,
  });
  throwsOptions(
    () => o.parseSetArgs(["listen_port=abc"]),
    'Invalid value for option "listen_port": "abc" is not an integer',
  );
  throwsOptions(
    () => o.parseSetArgs(["content_view_lines_cutoff=1.5"]),
    'Invalid value for option "content_view_lines_cutoff": "1.5" is not an integer',
  );
  throwsOptions(
    () => o.parseSetArgs(["content_view_lines_cutoff="]),
    'Option "content_view_lines_cutoff" needs a value: --set content_view_lines_cutoff=NUMBER',
  );
});

Deno.test("--set: str and optional str", () => {
  const o = makeOptions();
  assert.deepEqual(o.parseSetArgs(["listen_host=127.0.0.1"]), { listen_host: "127.0.0.1" });
  assert.deepEqual(o.parseSetArgs(["listen_host="]), { listen_host: "" });
  assert.deepEqual(o.parseSetArgs(["listen_host=a=b"]), { listen_host: "a=b" });
  throwsOptions(
    () => o.parseSetArgs(["listen_host"]),
    'Option "listen_host" needs a value: --set listen_host=VALUE',
  );
  assert.deepEqual(o.parseSetArgs(["rfile=flows.mitm"]), { rfile: "flows.mitm" });
  assert.deepEqual(o.parseSetArgs(["rfile="]), { rfile: null });
  assert.deepEqual(o.parseSetArgs(["rfile"]), { rfile: null });
});

Deno.test("--set: sequences accumulate, an empty value clears", () => {
  const o = makeOptions();
  assert.deepEqual(o.parseSetArgs(["scripts=a.ts", "scripts=b.ts"]), {
    scripts: ["a.ts", "b.ts"],
  });
  assert.deepEqual(o.parseSetArgs(["mode=socks5"]), { mode: ["socks5"] });
  assert.deepEqual(o.parseSetArgs(["mode="]), { mode: [] });
  assert.deepEqual(o.parseSetArgs(["mode"]), { mode: [] });
  assert.deepEqual(o.parseSetArgs(["scripts=a.ts", "scripts=", "scripts=c.ts"]), {
    scripts: ["c.ts"],
  });
});

Deno.test("--set: repeated scalar, unknown names, choices", () => {
  const o = makeOptions();
  throwsOptions(
    () => o.parseSetArgs(["listen_port=1", "listen_port=2"]),
    /^Invalid value for option "listen_port": given 2 times \("1", "2"\)/,
  );
  throwsOptions(
    () => o.parseSetArgs(["listen_prot=1", "anticach"]),
    'Unknown options: "listen_prot" (did you mean "listen_port" or "listen_host"?), ' +
      '"anticach" (did you mean "anticache"?)',
  );
  throwsOptions(() => o.parseSetArgs(["zzzzzzzz=1"]), 'Unknown option: "zzzzzzzz"');
  throwsOptions(
    () => o.applySetArgs(["termlog_verbosity=loud"]),
    'Invalid value for option "termlog_verbosity": "loud" is not one of ' +
      "error, warn, info, alert, debug",
  );
  assert.deepEqual([...o.applySetArgs(["termlog_verbosity=debug", "anticache"])], [
    "termlog_verbosity",
    "anticache",
  ]);
  assert.equal(o.get("termlog_verbosity"), "debug");
});

Deno.test("update: type checks before anything changes; unknown names", () => {
  const o = makeOptions();
  throwsOptions(
    () => o.update({ anticache: true, listen_port: "8080" }),
    'Invalid value for option "listen_port": expected optional int, got string "8080"',
  );
  assert.equal(o.get("anticache"), false);
  throwsOptions(() => o.update({ scripts: "a.ts" }), /expected sequence of str/);
  throwsOptions(() => o.update({ scripts: [1] }), /expected sequence of str/);
  throwsOptions(() => o.update({ server: 1 }), /expected bool, got number 1/);
  throwsOptions(() => o.update({ listen_port: 1.5 }), /expected optional int/);
  throwsOptions(() => o.update({ nope: 1 }), 'Unknown option: "nope"');
});

Deno.test("update: subscribers get only the names that changed", () => {
  const o = makeOptions();
  const calls: string[][] = [];
  const portCalls: string[][] = [];
  const off = o.subscribe((changed) => calls.push([...changed]));
  o.subscribe((changed) => portCalls.push([...changed]), ["listen_port"]);
  assert.deepEqual([...o.update({ anticache: true, server: true, mode: ["regular"] })], [
    "anticache",
  ]);
  o.update({ anticache: true });
  o.update({ listen_port: 1, mode: ["socks5"] });
  off();
  o.update({ anticache: false });
  assert.deepEqual(calls, [["anticache"], ["listen_port", "mode"]]);
  assert.deepEqual(portCalls, [["listen_port", "mode"]]);
  assert.ok(o.hasChanged("mode"));
  o.reset();
  assert.ok(!o.hasChanged("mode"));
  assert.equal(o.get("listen_port"), null);
});

Deno.test("update: a failing validator rolls back every change of the update", () => {
  const o = makeOptions();
  o.update({ listen_host: "old" });
  const seen: Array<[string[], unknown, unknown]> = [];
  o.addValidator((changed) => {
    seen.push([[...changed], o.get("listen_host"), o.get("listen_port")]);
  });
  const removeStrict = o.addValidator(() => {
    if (o.get("listen_port") === 666) throw new OptionsError("port 666 is cursed");
  });
  const notified: string[][] = [];
  o.subscribe((c) => notified.push([...c]));

  throwsOptions(
    () => o.update({ listen_host: "new", listen_port: 666, anticache: true }),
    "port 666 is cursed",
  );
  assert.equal(o.get("listen_host"), "old");
  assert.equal(o.get("listen_port"), null);
  assert.equal(o.get("anticache"), false);
  assert.deepEqual(notified, []);
  // The validators saw the new values, then were re-run with the restored ones.
  assert.deepEqual(seen, [
    [["listen_host", "listen_port", "anticache"], "new", 666],
    [["listen_host", "listen_port", "anticache"], "old", null],
  ]);

  o.update({ listen_port: 8080 });
  assert.equal(o.get("listen_port"), 8080);
  removeStrict();
  o.update({ listen_port: 666 });
  assert.equal(o.get("listen_port"), 666);
});

Deno.test("update: nested updates from validators roll back and notify with the outer one", () => {
  const o = makeOptions();
  o.addValidator((changed) => {
    // Like an addon deriving one option from another.
    if (changed.has("listen_host")) o.update({ rfile: `${o.get("listen_host")}.mitm` });
    if (o.get("listen_host") === "bad") throw new OptionsError("bad host");
  });
  const notified: string[][] = [];
  o.subscribe((c) => notified.push([...c].sort()));
  o.update({ listen_host: "a" });
  assert.equal(o.get("rfile"), "a.mitm");
  assert.deepEqual(notified, [["listen_host", "rfile"]]);
  throwsOptions(() => o.update({ listen_host: "bad" }), "bad host");
  assert.equal(o.get("listen_host"), "a");
  assert.equal(o.get("rfile"), "a.mitm");
  assert.equal(notified.length, 1);
});

Deno.test("update: a throwing subscriber does not undo the update or silence others", () => {
  const o = makeOptions();
  const seen: string[] = [];
  o.subscribe(() => {
    throw new Error("subscriber bug");
  });
  o.subscribe((c) => seen.push(...c));
  assert.throws(() => o.update({ anticache: true }), /subscriber bug/);
  assert.equal(o.get("anticache"), true);
  assert.deepEqual(seen, ["anticache"]);
});

Deno.test("deferred --set values apply once the option is declared", () => {
  const o = makeOptions();
  const known = o.parseSetArgs(["anticache", "script_opt=5", "script_flag", "script_list=a"], {
    defer: true,
  });
  assert.deepEqual(known, { anticache: true });
  assert.deepEqual(o.pendingNames(), ["script_opt", "script_flag", "script_list"]);
  assert.deepEqual([...o.applyPending()], []);
  o.add({ name: "script_opt", type: "int", default: 1, help: "" });
  o.add({ name: "script_flag", type: "bool", default: false, help: "" });
  assert.equal(o.get("script_opt"), 1);
  const notified: string[][] = [];
  o.subscribe((c) => notified.push([...c]));
  assert.deepEqual([...o.applyPending()], ["script_opt", "script_flag"]);
  assert.equal(o.get("script_opt"), 5);
  assert.equal(o.get("script_flag"), true);
  assert.deepEqual(notified, [["script_opt", "script_flag"]]);
  assert.deepEqual(o.pendingNames(), ["script_list"]);
  throwsOptions(
    () => o.assertNoPending(),
    'Unknown option: "script_list" (did you mean "script_opt", "script_flag" or "scripts"?)',
  );
  o.add({ name: "script_list", type: "sequence of str", default: [], help: "" });
  o.applyPending();
  assert.deepEqual(o.get("script_list"), ["a"]);
  o.assertNoPending();
});

Deno.test("deferred values are type-checked when applied", () => {
  const o = makeOptions();
  o.parseSetArgs(["later=abc"], { defer: true });
  o.add({ name: "later", type: "int", default: 0, help: "" });
  throwsOptions(
    () => o.applyPending(),
    'Invalid value for option "later": "abc" is not an integer',
  );
  assert.deepEqual(o.pendingNames(), []);
  assert.equal(o.get("later"), 0);
});

Deno.test("parseSize: powers of 1024, invalid sizes throw", () => {
  assert.equal(parseSize("0"), 0);
  assert.equal(parseSize("100"), 100);
  assert.equal(parseSize("100b"), 100);
  assert.equal(parseSize("1k"), 1024);
  assert.equal(parseSize("10m"), 10 * 1024 ** 2);
  assert.equal(parseSize("3g"), 3 * 1024 ** 3);
  assert.equal(parseSize("2t"), 2 * 1024 ** 4);
  assert.equal(parseSize("2K"), 2048);
  assert.equal(parseSize(null), null);
  for (const bad of ["", "k", "1.5m", "10x", "m10", "ten"]) {
    throwsOptions(() => parseSize(bad), /^Invalid size specification/);
  }
  fc.assert(
    fc.property(fc.nat(1_000_000), fc.constantFrom("b", "k", "m", "g", "t"), (n, unit) => {
      const factor = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[unit];
      assert.equal(parseSize(`${n}${unit}`), n * factor);
    }),
  );
});

Deno.test("YAML: good config sets typed values", () => {
  const o = makeOptions();
  const changed = o.loadYaml(
    [
      "# comment",
      "anticache: true",
      "listen_port: 8081",
      "listen_host: 127.0.0.1",
      "rfile: ~",
      "scripts:",
      "  - a.ts",
      "  - b.ts",
      "mode: socks5", // mitmproxy 8 had mode as a plain string
    ].join("\n"),
    "config.yaml",
  );
  assert.deepEqual([...changed].sort(), [
    "anticache",
    "listen_host",
    "listen_port",
    "mode",
    "scripts",
  ]);
  assert.equal(o.get("listen_port"), 8081);
  assert.deepEqual(o.get("scripts"), ["a.ts", "b.ts"]);
  assert.deepEqual(o.get("mode"), ["socks5"]);
  assert.deepEqual([...o.loadYaml("", "empty.yaml")], []);
  assert.deepEqual([...o.loadYaml("# only a comment\n", "empty.yaml")], []);
});

Deno.test("YAML: bad configs name the file and the key", () => {
  const o = makeOptions();
  throwsOptions(
    () => o.loadYaml("anticache: true\nlisten_prot: 8080\n", "/conf/config.yaml"),
    'Error reading /conf/config.yaml: Unknown option: "listen_prot" ' +
      '(did you mean "listen_port" or "listen_host"?)',
  );
  assert.equal(o.get("anticache"), false);
  throwsOptions(
    () => o.loadYaml('listen_port: "8080"\n', "/conf/config.yaml"),
    'Error reading /conf/config.yaml: Invalid value for option "listen_port": ' +
      'expected optional int, got string "8080"',
  );
  throwsOptions(
    () => o.loadYaml("server: yes\n", "c.yaml"),
    /^Error reading c\.yaml: Invalid value for option "server": expected bool, got string "yes"/,
  );
  throwsOptions(
    () => o.loadYaml("anticache: [\n", "c.yaml"),
    /^Error reading c\.yaml: Config error at line \d/,
  );
  throwsOptions(
    () => o.loadYaml("just a string\n", "c.yaml"),
    /^Error reading c\.yaml: Config error - no keys found/,
  );
  throwsOptions(() => o.loadYaml("- a\n- b\n", "c.yaml"), /no keys found/);
  throwsOptions(() => o.loadYaml("a: 1\na: 2\n", "c.yaml"), /^Error reading c\.yaml: Config error/);
});

Deno.test("YAML: a configure hook rejecting a config value names the file", () => {
  const o = makeOptions();
  o.addValidator(() => {
    if (o.get("listen_host") === "nowhere") throw new OptionsError("cannot bind to nowhere");
  });
  throwsOptions(
    () => o.loadYaml("anticache: true\nlisten_host: nowhere\n", "c.yaml"),
    "Error reading c.yaml: cannot bind to nowhere",
  );
  assert.equal(o.get("anticache"), false);
});

Deno.test("YAML: unknown keys can wait for a script's options", () => {
  const o = makeOptions();
  o.loadYaml("anticache: true\nscript_opt: 3\nscript_bad: x\n", "/c/config.yaml", { defer: true });
  assert.equal(o.get("anticache"), true);
  o.add({ name: "script_opt", type: "int", default: 0, help: "" });
  o.applyPending();
  assert.equal(o.get("script_opt"), 3);
  throwsOptions(
    () => o.assertNoPending(),
    'Error reading /c/config.yaml: Unknown option: "script_bad" ' +
      '(did you mean "script_opt" or "scripts"?)',
  );
  o.add({ name: "script_bad", type: "int", default: 0, help: "" });
  throwsOptions(
    () => o.applyPending(),
    'Error reading /c/config.yaml: Invalid value for option "script_bad": expected int, got string "x"',
  );
});

Deno.test("loadFile: reads files, a missing file is not an error", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const o = makeOptions();
    assert.equal(await o.loadFile(`${dir}/config.yaml`), false);
    await Deno.writeTextFile(`${dir}/config.yaml`, "listen_port: 9000\n");
    assert.equal(await o.loadFile(`${dir}/config.yaml`), true);
    assert.equal(o.get("listen_port"), 9000);
    await Deno.writeTextFile(`${dir}/bad.yaml`, "nope: 1\n");
    await assert.rejects(() => o.loadFile(`${dir}/bad.yaml`), (e: Error) => {
      assert.ok(e instanceof OptionsError);
      assert.equal(e.message, `Error reading ${dir}/bad.yaml: Unknown option: "nope"`);
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serialize: non-default values only, and it loads back", () => {
  const o = makeOptions();
  assert.equal(o.serialize(), "");
  o.update({ listen_port: 8081, scripts: ["a.ts"], anticache: true });
  assert.equal(o.serialize(), "anticache: true\nlisten_port: 8081\nscripts:\n  - a.ts\n");
  const copy = makeOptions();
  copy.loadYaml(o.serialize(), "saved");
  assert.deepEqual(copy.describe(), o.describe());
  assert.match(o.serialize({ defaults: true }), /^content_view_lines_cutoff: 512$/m);
});

Deno.test("serialize/loadYaml round trip (property)", () => {
  const str = fc.string({ maxLength: 20 });
  fc.assert(
    fc.property(
      fc.record({
        anticache: fc.boolean(),
        listen_host: str,
        listen_port: fc.option(fc.integer({ min: -1e9, max: 1e9 }), { nil: null }),
        rfile: fc.option(str, { nil: null }),
        scripts: fc.array(str, { maxLength: 4 }),
      }),
      (values) => {
        const o = makeOptions();
        o.update(values);
        const copy = makeOptions();
        copy.loadYaml(o.serialize(), "round-trip");
        assert.deepEqual(copy.describe(), o.describe());
      },
    ),
  );
});

Deno.test("describe and dumpDefaults document every option", () => {
  const o = makeOptions();
  const d = o.describe(["termlog_verbosity", "listen_port"]);
  assert.deepEqual(Object.keys(d), ["listen_port", "termlog_verbosity"]);
  assert.deepEqual(d.termlog_verbosity, {
    type: "str",
    default: "info",
    value: "info",
    help: "Log verbosity.",
    choices: ["error", "warn", "info", "alert", "debug"],
  });
  const dump = o.dumpDefaults();
  assert.match(dump, /# Port\. Type optional int\.\nlisten_port: null/);
  assert.match(
    dump,
    /# Log verbosity\. Valid values are 'error', 'warn', 'info', 'alert', 'debug'\./,
  );
  assert.deepEqual(o.specs().map((s) => s.name), [...o.names()].sort());
});
