import assert from "node:assert/strict";
import fc from "fast-check";
import {
  CommandError,
  CommandManager,
  type FlowResolver,
  quoteArg,
  splitCommandLine,
  unescapeBytes,
  unescapeStr,
} from "../../core/command.ts";

interface FakeFlow {
  id: string;
  marked: boolean;
}

const FLOWS: FakeFlow[] = [
  { id: "f1", marked: true },
  { id: "f2", marked: false },
  { id: "f3", marked: true },
];

/** A tiny flow view: markers, ids, and `~id PREFIX` standing in for filter expressions. */
const resolver: FlowResolver<FakeFlow> = {
  resolve(spec) {
    if (spec === "@all") return FLOWS;
    if (spec === "@focus") return [FLOWS[0]];
    if (spec === "@marked") return FLOWS.filter((f) => f.marked);
    if (spec === "@unmarked") return FLOWS.filter((f) => !f.marked);
    if (spec.startsWith("~id ")) return FLOWS.filter((f) => f.id.startsWith(spec.slice(4)));
    if (spec.startsWith("~")) throw new Error(`invalid filter expression ${spec}`);
    return FLOWS.filter((f) => spec.split(",").includes(f.id));
  },
};

async function rejectsWith(p: Promise<unknown>, message: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof CommandError, `expected CommandError, got ${e}`);
    if (typeof message === "string") assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

function makeCommands(): { commands: CommandManager; calls: unknown[][] } {
  const commands = new CommandManager({ flowResolver: resolver });
  const calls: unknown[][] = [];
  const record = (...args: unknown[]) => {
    calls.push(args);
    return args;
  };
  commands.add("flow.set", record, {
    args: [
      { name: "flows", type: "flow[]" },
      { name: "attr", type: "choice", choicesCommand: "flow.set.options" },
      { name: "value", type: "str" },
    ],
    help: "Quickly set a number of common values on flows.",
  });
  commands.add(
    "flow.set.options",
    () => ["host", "status_code", "method", "path", "url", "reason"],
    {
      args: [],
      returns: "str[]",
      help: "The possible attributes for flow.set.",
    },
  );
  commands.add("view.focus.go", record, {
    args: [{ name: "index", type: "int" }],
    help: "Go to a specified offset.",
  });
  commands.add("export.file", record, {
    args: [
      { name: "format", type: "choice", choices: ["curl", "httpie", "raw"] },
      { name: "flow", type: "flow" },
      { name: "path", type: "path" },
    ],
    help: "Export a flow to a path.",
  });
  commands.add("options.reset.one", record, {
    args: [{ name: "name", type: "str" }],
    help: "Reset one option to its default value.",
  });
  commands.add("console.key.bind", record, {
    args: [
      { name: "contexts", type: "str[]" },
      { name: "key", type: "str" },
      { name: "cmd", type: "cmd" },
      { name: "args", type: "arg", variadic: true },
    ],
    help: "Bind a shortcut key.",
  });
  commands.add("flow.mark", record, {
    args: [{ name: "flows", type: "flows" }, { name: "marker", type: "marker" }],
    help: "Mark flows.",
  });
  commands.add("misc.opt", record, {
    args: [
      { name: "on", type: "bool" },
      { name: "data", type: "bytes", optional: true },
    ],
    help: "Optional trailing argument.",
  });
  return { commands, calls };
}

Deno.test("splitCommandLine: whitespace, both quotes, joined parts, unclosed quotes", () => {
  assert.deepEqual(splitCommandLine("  flow.set  @focus method  "), [
    "flow.set",
    "@focus",
    "method",
  ]);
  assert.deepEqual(splitCommandLine(`a "b c" 'd "e"' ""`), ["a", "b c", 'd "e"', ""]);
  assert.deepEqual(splitCommandLine(`a x"y z"w`), ["a", "xy zw"]);
  assert.deepEqual(splitCommandLine(`a "unclosed rest`), ["a", "unclosed rest"]);
  assert.deepEqual(splitCommandLine("a\tb\nc"), ["a", "b", "c"]);
  assert.deepEqual(splitCommandLine(""), []);
});

Deno.test("quoteArg round-trips through splitCommandLine and str unescaping", () => {
  assert.equal(quoteArg("plain"), "plain");
  assert.equal(quoteArg(""), '""');
  assert.equal(quoteArg("a b"), '"a b"');
  assert.equal(quoteArg('say "hi"'), `'say "hi"'`);
  assert.equal(quoteArg(`it's "x"`), '"it\'s \\x22x\\x22"');
  fc.assert(
    fc.property(fc.string().filter((s) => !s.includes("\\")), (s) => {
      const parts = splitCommandLine(`cmd ${quoteArg(s)}`);
      assert.equal(parts.length, 2);
      assert.equal(unescapeStr(parts[1]), s);
    }),
  );
});

Deno.test("unescape: Python-style escapes for str and bytes", () => {
  assert.equal(unescapeStr("a\\nb\\tc\\x41\\u00e9\\\\d\\q"), "a\nb\tcAé\\d\\q");
  assert.equal(unescapeStr("\\101\\U0001F600"), "A😀");
  assert.deepEqual([...unescapeBytes("a\\x00\\xff\\n")], [0x61, 0, 0xff, 0x0a]);
  assert.deepEqual([...unescapeBytes("é")], [0xc3, 0xa9]);
});

Deno.test("execute: typed arguments, quotes, flow specs and choices", async () => {
  const { commands, calls } = makeCommands();
  await commands.execute(`flow.set @marked method "PUT me\\n"`);
  assert.deepEqual(calls.pop(), [[FLOWS[0], FLOWS[2]], "method", "PUT me\n"]);
  await commands.execute("view.focus.go -3");
  assert.deepEqual(calls.pop(), [-3]);
  await commands.execute("export.file curl f2 ~/out.txt");
  const home = Deno.env.get("HOME") ?? "";
  assert.deepEqual(calls.pop(), ["curl", FLOWS[1], `${home}/out.txt`]);
  await commands.execute(`flow.set "~id f" url x`);
  assert.deepEqual(calls.pop(), [FLOWS, "url", "x"]);
  await commands.execute("flow.mark @unmarked true");
  assert.deepEqual(calls.pop(), [[FLOWS[1]], ":default:"]);
  await commands.execute("flow.mark f1,f3 false");
  assert.deepEqual(calls.pop(), [[FLOWS[0], FLOWS[2]], ""]);
  await commands.execute("console.key.bind flowlist,flowview x flow.set @focus url 'a b'");
  assert.deepEqual(calls.pop(), [
    ["flowlist", "flowview"],
    "x",
    "flow.set",
    "@focus",
    "url",
    "a b",
  ]);
  await commands.execute("misc.opt true");
  assert.deepEqual(calls.pop(), [true]);
  await commands.execute("misc.opt false \\x01");
  assert.deepEqual(calls.pop(), [false, new Uint8Array([1])]);
  assert.deepEqual(await commands.execute("flow.set.options"), [
    "host",
    "status_code",
    "method",
    "path",
    "url",
    "reason",
  ]);
});

Deno.test("execute: errors name the command and the argument", async () => {
  const { commands } = makeCommands();
  await rejectsWith(
    commands.execute("view.focus.go abc"),
    'Command view.focus.go: invalid argument "index" (int): "abc" is not an integer',
  );
  await rejectsWith(
    commands.execute("flow.set @focus colour red"),
    'Command flow.set: invalid argument "attr" (choice): "colour" is not one of ' +
      "host, status_code, method, path, url, reason",
  );
  await rejectsWith(
    commands.execute("export.file curl @all /tmp/x"),
    'Command export.file: invalid argument "flow" (flow): command requires one flow, ' +
      'specification "@all" matched 3',
  );
  await rejectsWith(
    commands.execute("flow.set ~bogus url x"),
    'Command flow.set: invalid argument "flows" (flow[]): cannot resolve "~bogus": ' +
      "invalid filter expression ~bogus",
  );
  await rejectsWith(
    commands.execute("misc.opt yes"),
    'Command misc.opt: invalid argument "on" (bool): booleans are "true" or "false", got "yes"',
  );
  await rejectsWith(
    commands.execute("flow.mark @all maybe"),
    /^Command flow\.mark: invalid argument "marker" \(marker\): "maybe" is not a marker/,
  );
  await rejectsWith(
    commands.execute("console.key.bind a b flow.sett"),
    'Command console.key.bind: invalid argument "cmd" (cmd): unknown command "flow.sett" ' +
      '(did you mean "flow.set"?)',
  );
  await rejectsWith(
    commands.execute("view.focus.go"),
    "Command view.focus.go index: expected 1 argument, got 0",
  );
  await rejectsWith(
    commands.execute("flow.set @all url"),
    "Command flow.set flows attr value: expected 3 arguments, got 2",
  );
  await rejectsWith(
    commands.execute("misc.opt true a b"),
    "Command misc.opt on data: expected 1 to 2 arguments, got 3",
  );
  await rejectsWith(
    commands.execute("console.key.bind a"),
    "Command console.key.bind contexts key cmd *args: expected at least 3 arguments, got 1",
  );
  await rejectsWith(commands.execute("   "), 'Invalid command: "   "');
});

Deno.test("unknown commands suggest close names", async () => {
  const { commands } = makeCommands();
  await rejectsWith(
    commands.execute("flow.sett @all"),
    'Unknown command: flow.sett (did you mean "flow.set"?)',
  );
  await rejectsWith(commands.call("zzz"), "Unknown command: zzz");
});

Deno.test("call: typed values pass through after arity and type checks", async () => {
  const { commands, calls } = makeCommands();
  const flows = [FLOWS[1]];
  await commands.call("flow.set", flows, "url", "http://x");
  assert.equal(calls.pop()?.[0], flows);
  await rejectsWith(
    commands.call("view.focus.go", "3"),
    'Command view.focus.go: invalid argument "index" (int): expected int, got string "3"',
  );
  await rejectsWith(
    commands.call("view.focus.go"),
    "Command view.focus.go index: expected 1 argument, got 0",
  );
  await rejectsWith(
    commands.call("console.key.bind", "a", "b", "c"),
    'Command console.key.bind: invalid argument "contexts" (str[]): expected str[], got string "a"',
  );
});

Deno.test("async commands are awaited; exceptions from the command propagate", async () => {
  const commands = new CommandManager();
  commands.add("slow.echo", async (s: string) => {
    await new Promise((r) => setTimeout(r, 1));
    return s.toUpperCase();
  }, { args: [{ name: "s", type: "str" }], returns: "str", help: "" });
  commands.add("fail", () => {
    throw new RangeError("nope");
  }, { args: [], help: "" });
  assert.equal(await commands.execute("slow.echo hi"), "HI");
  await assert.rejects(commands.execute("fail"), RangeError);
});

Deno.test("flow arguments without a flow view give a clear error", async () => {
  const commands = new CommandManager();
  commands.add("flow.kill", () => {}, { args: [{ name: "flows", type: "flow[]" }], help: "" });
  await rejectsWith(
    commands.execute("flow.kill @all"),
    'Command flow.kill: invalid argument "flows" (flow[]): no flow view is loaded to resolve flow specs',
  );
});

Deno.test("add: rejects bad names and bad signatures", () => {
  const commands = new CommandManager();
  const fn = () => {};
  assert.throws(() => commands.add("bad name", fn, { args: [], help: "" }), /Invalid command name/);
  assert.throws(
    () =>
      commands.add("x", fn, {
        args: [{ name: "a", type: "str", variadic: true }, { name: "b", type: "str" }],
        help: "",
      }),
    /"a" is variadic but not last/,
  );
  assert.throws(
    () =>
      commands.add("x", fn, {
        args: [{ name: "a", type: "str", optional: true }, { name: "b", type: "str" }],
        help: "",
      }),
    /"b" is required but follows an optional one/,
  );
  assert.throws(
    () => commands.add("x", fn, { args: [{ name: "a", type: "choice" }], help: "" }),
    /choice without choices/,
  );
});

Deno.test("list and dump describe every command", () => {
  const { commands } = makeCommands();
  const list = commands.list();
  assert.deepEqual(list.map((c) => c.path), [...list.map((c) => c.path)].sort());
  const set = commands.get("flow.set");
  assert.equal(set.signature, "flow.set flows attr value");
  assert.equal(set.args[0].type, "flow[]");
  assert.equal(commands.get("flow.mark").args[0].type, "flow[]");
  assert.equal(commands.get("flow.set.options").signature, "flow.set.options -> str[]");
  assert.match(
    commands.dump(),
    /# Quickly set a number of common values on flows\.\nflow\.set flows attr value\n/,
  );
  assert.ok(commands.has("flow.set"));
  assert.ok(commands.remove("flow.set"));
  assert.ok(!commands.has("flow.set"));
});
