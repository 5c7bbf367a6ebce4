import assert from "node:assert/strict";
import { AddonManager, AddonManagerError } from "../../core/addon_manager.ts";
import { CommandManager } from "../../core/command.ts";
import { Client, Server } from "../../core/flow/connection.ts";
import { FlowError } from "../../core/flow/flow.ts";
import { HttpFlow, Request } from "../../core/flow/http.ts";
import type { Addon, Loader } from "../../core/hooks.ts";
import { type LogEntry, Logger } from "../../core/log.ts";
import { defineOption, OptionsError } from "../../core/option_types.ts";
import { Options } from "../../core/options.ts";

function setup() {
  const options = new Options();
  const commands = new CommandManager();
  const logger = new Logger({ now: () => 0 });
  const logs: LogEntry[] = [];
  logger.subscribe((e) => logs.push(e));
  const manager = new AddonManager({ options, commands, logger });
  return { options, commands, logger, logs, manager };
}

function fakeFlow(): HttpFlow {
  const client = new Client({ peername: ["127.0.0.1", 5000], sockname: null, timestamp_start: 1 });
  const server = new Server({ address: ["example.com", 80] });
  return new HttpFlow(
    client,
    server,
    1,
    Request.make("GET", "http://example.com/", "", [], 1),
    true,
  );
}

function recorder(name: string, into: string[], children: Addon[] = []): Addon {
  return {
    name,
    addons: children,
    request() {
      into.push(name);
    },
  };
}

Deno.test("hooks run in add order, children depth-first right after their parent", async () => {
  const { manager } = setup();
  const order: string[] = [];
  manager.add(
    recorder("a", order, [recorder("a1", order, [recorder("a1x", order)]), recorder("a2", order)]),
    recorder("b", order),
  );
  manager.add(recorder("c", order));
  await manager.trigger("request", fakeFlow());
  assert.deepEqual(order, ["a", "a1", "a1x", "a2", "b", "c"]);
  assert.deepEqual(manager.names(), ["a", "a1", "a1x", "a2", "b", "c"]);
  assert.deepEqual(manager.chain.map((a) => a.name), ["a", "b", "c"]);
  assert.equal(manager.get("a1x")?.name, "a1x");
});

Deno.test("async handlers are awaited one after another", async () => {
  const { manager } = setup();
  const events: string[] = [];
  manager.add(
    {
      name: "slow",
      async response() {
        events.push("slow start");
        await new Promise((r) => setTimeout(r, 5));
        events.push("slow end");
      },
    },
    {
      name: "fast",
      response() {
        events.push("fast");
      },
    },
  );
  await manager.trigger("response", fakeFlow());
  assert.deepEqual(events, ["slow start", "slow end", "fast"]);
});

Deno.test("an addon error is logged with addon and hook name; the next addon still runs", async () => {
  const { manager, logs } = setup();
  const order: string[] = [];
  manager.add(
    {
      name: "broken",
      request() {
        throw new Error("boom");
      },
    },
    {
      name: "rejecting",
      async request() {
        await Promise.resolve();
        throw new TypeError("bad type");
      },
    },
    recorder("after", order),
  );
  await manager.trigger("request", fakeFlow());
  assert.deepEqual(order, ["after"]);
  assert.equal(logs.length, 2);
  assert.equal(logs[0].level, "error");
  assert.match(logs[0].msg, /^Addon error in broken\.request: boom\n\s+at /);
  assert.match(logs[0].msg, /addon_manager_test\.ts/);
  assert.match(logs[1].msg, /^Addon error in rejecting\.request: TypeError: bad type\n/);
  manager.add({
    name: "weird",
    error() {
      throw "a string";
    },
  });
  await manager.trigger("error", fakeFlow());
  assert.equal(logs[2].msg, "Addon error in weird.error: a string");
});

Deno.test("a killed flow stops the chain for that hook", async () => {
  const { manager } = setup();
  const order: string[] = [];
  manager.add(
    recorder("first", order),
    {
      name: "killer",
      request(flow) {
        order.push("killer");
        flow.kill();
      },
    },
    recorder("skipped", order),
  );
  await manager.trigger("request", fakeFlow());
  assert.deepEqual(order, ["first", "killer"]);
  // Some other error does not stop the chain.
  const flow = fakeFlow();
  flow.error = new FlowError("Connection reset.", 2);
  order.length = 0;
  manager.add({
    name: "other",
    response() {
      order.push("other");
    },
  }, {
    name: "other2",
    response() {
      order.push("other2");
    },
  });
  await manager.trigger("response", flow);
  assert.deepEqual(order, ["other", "other2"]);
});

Deno.test("handlers are called with the addon as this", async () => {
  const { manager } = setup();
  class Counter {
    count = 0;
    request() {
      this.count++;
    }
  }
  const counter = new Counter();
  manager.add(counter);
  await manager.trigger("request", fakeFlow());
  await manager.trigger("request", fakeFlow());
  assert.equal(counter.count, 2);
  assert.equal(manager.nameOf(counter), "counter");
  assert.ok(manager.has("counter"));
});

Deno.test("names must be unique; anonymous addons get generated names", () => {
  const { manager } = setup();
  manager.add({ name: "dup" });
  assert.throws(() => manager.add({ name: "dup" }), (e: Error) => {
    assert.ok(e instanceof AddonManagerError);
    assert.equal(e.message, "An addon called 'dup' already exists.");
    return true;
  });
  assert.throws(
    () => manager.add({ name: "parent", addons: [{ name: "x" }, { name: "x" }] }),
    /An addon called 'x' already exists/,
  );
  assert.ok(!manager.has("parent"));
  const anon1: Addon = { running() {} };
  const anon2: Addon = { running() {} };
  manager.add(anon1, anon2);
  assert.notEqual(manager.nameOf(anon1), manager.nameOf(anon2));
  assert.ok(manager.has(anon1) && manager.has(anon2));
});

Deno.test("load: the loader declares options and commands", async () => {
  const { manager, options, commands, logs } = setup();
  const LIMIT = defineOption({ name: "limit", type: "int", default: 3, help: "A limit." });
  let loader: Loader | null = null;
  const addon: Addon = {
    name: "declarer",
    load(l) {
      loader = l;
      l.add_option("greeting", "str", "hello", "What to say.");
      l.add_option("verbosity", "optional str", null, "How much.", ["low", "high"]);
      l.add_option(LIMIT);
      l.add_command("greet.say", (who: string) => `${options.get("greeting")} ${who}`, {
        args: [{ name: "who", type: "str" }],
        returns: "str",
        help: "Greet someone.",
      });
      l.add_command("greet.plain", (a: string, b: string) => `${a}+${b}`);
    },
  };
  manager.add(addon);
  assert.ok(loader);
  assert.equal(options.get("greeting"), "hello");
  assert.equal(options.get(LIMIT), 3);
  assert.deepEqual(options.spec("verbosity").choices, ["low", "high"]);
  assert.equal(await commands.execute("greet.say world"), "hello world");
  assert.equal(await commands.execute("greet.plain x y"), "x+y");
  assert.equal(commands.get("greet.plain").signature, "greet.plain arg1 arg2");

  // Re-declaring with the same signature is a no-op, a different one replaces with a warning.
  const again = loader as Loader;
  options.update({ greeting: "hi" });
  again.add_option("greeting", "str", "hello", "What to say.");
  assert.equal(options.get("greeting"), "hi");
  assert.equal(logs.length, 0);
  again.add_option("greeting", "str", "howdy", "What to say.");
  assert.equal(options.get("greeting"), "howdy");
  assert.deepEqual(logs.map((l) => [l.level, l.msg]), [[
    "warn",
    "Over-riding existing option greeting",
  ]]);
});

Deno.test("load: a failing or async load throws and leaves nothing behind", () => {
  const { manager, commands } = setup();
  assert.throws(
    () =>
      manager.add({
        name: "fails",
        load(l) {
          l.add_command("half.done", () => {}, { args: [], help: "" });
          throw new Error("cannot start");
        },
      }),
    (e: Error) => {
      assert.ok(e instanceof AddonManagerError);
      assert.equal(e.message, "Addon fails failed to load: cannot start");
      return true;
    },
  );
  assert.ok(!manager.has("fails"));
  assert.ok(!commands.has("half.done"));
  assert.throws(
    () => manager.add({ name: "asyncload", async load() {} }),
    /Addon asyncload failed to load: load must be synchronous/,
  );
});

Deno.test("configure: option updates run configure; an OptionsError rolls everything back", () => {
  const { manager, options, logs } = setup();
  const seen: string[][] = [];
  manager.add(
    {
      name: "recorder",
      load(l) {
        l.add_option("port", "int", 8080, "Port.");
        l.add_option("host", "str", "", "Host.");
      },
      configure(updated) {
        seen.push([...updated]);
      },
    },
    {
      name: "validator",
      configure(updated) {
        if (updated.has("port") && options.get<number>("port") < 1) {
          throw new OptionsError("port must be positive");
        }
      },
    },
    {
      name: "buggy",
      configure(updated) {
        if (updated.has("host") && options.get("host") === "crash") throw new Error("bug");
      },
    },
  );
  options.update({ port: 9090 });
  assert.deepEqual(seen, [["port"]]);
  assert.throws(() => options.update({ host: "h", port: 0 }), (e: Error) => {
    assert.ok(e instanceof OptionsError);
    assert.equal(e.message, "port must be positive");
    return true;
  });
  assert.equal(options.get("port"), 9090);
  assert.equal(options.get("host"), "");
  // configure ran with the new values, then again after the rollback.
  assert.deepEqual(seen.slice(1), [["host", "port"], ["host", "port"]]);
  // Other exceptions are addon bugs: logged, the update stands.
  options.update({ host: "crash" });
  assert.equal(options.get("host"), "crash");
  assert.match(logs.at(-1)!.msg, /^Addon error in buggy\.configure: bug\n/);
});

Deno.test("configure: async configure is reported; configureAll throws OptionsError", () => {
  const { manager, options, logs } = setup();
  manager.add({
    name: "asyncconf",
    load(l) {
      l.add_option("flag", "bool", false, "A flag.");
    },
    async configure() {},
  });
  options.update({ flag: true });
  assert.match(logs[0].msg, /^Addon error in asyncconf\.configure: configure must be synchronous/);
  const all: string[][] = [];
  manager.add({
    name: "picky",
    configure(updated) {
      all.push([...updated]);
      if (options.get("flag")) throw new OptionsError("flag not allowed");
    },
  });
  assert.throws(() => manager.configureAll(), /flag not allowed/);
  assert.deepEqual(all, [["flag"]]);
});

Deno.test("addons added after running get configure with every option name", async () => {
  const { manager, options, logs } = setup();
  manager.add({
    name: "base",
    load(l) {
      l.add_option("a", "bool", false, "A.");
    },
  });
  assert.ok(!manager.running);
  await manager.trigger("running");
  assert.ok(manager.running);
  const seen: string[][] = [];
  manager.add({
    name: "late",
    load(l) {
      l.add_option("b", "bool", false, "B.");
    },
    configure(updated) {
      seen.push([...updated].sort());
    },
  });
  assert.deepEqual(seen, [["a", "b"]]);
  manager.add({
    name: "late_rejecting",
    configure() {
      throw new OptionsError("nope");
    },
  });
  assert.ok(manager.has("late_rejecting"));
  assert.match(logs.at(-1)!.msg, /^Addon error in late_rejecting\.configure: OptionsError: nope/);
  assert.equal(options.get("a"), false);
});

Deno.test("--set values for options declared later by an addon are applied on add", () => {
  const { manager, options } = setup();
  const known = options.parseSetArgs(["script_level=7", "script_names=x", "script_names=y"], {
    defer: true,
  });
  assert.deepEqual(known, {});
  const seen: unknown[] = [];
  manager.add({
    name: "observer",
    configure(updated) {
      if (updated.has("script_level")) seen.push(options.get("script_level"));
    },
  });
  manager.add({
    name: "script",
    load(l) {
      l.add_option("script_level", "int", 1, "Level.");
      l.add_option("script_names", "sequence of str", [], "Names.");
    },
  });
  assert.equal(options.get("script_level"), 7);
  assert.deepEqual(options.get("script_names"), ["x", "y"]);
  assert.deepEqual(seen, [7]);
  options.assertNoPending();

  options.parseSetArgs(["later_int=abc"], { defer: true });
  assert.throws(
    () =>
      manager.add({
        name: "later",
        load(l) {
          l.add_option("later_int", "int", 0, "Later.");
        },
      }),
    /Invalid value for option "later_int": "abc" is not an integer/,
  );
});

Deno.test("remove: runs done, drops hooks and commands; hasHook follows", async () => {
  const { manager, commands, logs } = setup();
  const done: string[] = [];
  const child: Addon = {
    name: "child",
    done() {
      done.push("child");
    },
  };
  const parent: Addon = {
    name: "parent",
    addons: [child],
    load(l) {
      l.add_command("parent.hello", () => "hi", { args: [], help: "" });
    },
    request() {},
    async done() {
      await Promise.resolve();
      done.push("parent");
    },
  };
  manager.add(parent);
  assert.ok(manager.hasHook("request"));
  assert.ok(!manager.hasHook("tcp_message"));
  assert.ok(commands.has("parent.hello"));
  await manager.remove(parent);
  assert.deepEqual(done, ["parent", "child"]);
  assert.ok(!manager.hasHook("request"));
  assert.ok(!commands.has("parent.hello"));
  assert.ok(!manager.has("child"));
  await assert.rejects(() => manager.remove(parent), /No such addon: parent/);
  assert.equal(logs.length, 0);

  manager.add({ name: "x", done: () => void done.push("x") }, {
    name: "y",
    done: () => void done.push("y"),
  });
  await manager.clear();
  assert.deepEqual(done.slice(2), ["y", "x"]);
  assert.equal(manager.chain.length, 0);
});

Deno.test("register + refresh: a parent that manages its own children", async () => {
  const { manager } = setup();
  const order: string[] = [];
  const parent: Addon & { addons: Addon[] } = { name: "scripts", addons: [] };
  manager.add(parent);
  const script = recorder("script_a", order);
  manager.register(script);
  parent.addons.push(script);
  manager.refresh();
  await manager.trigger("request", fakeFlow());
  assert.deepEqual(order, ["script_a"]);
  await manager.invoke(script, "request", fakeFlow());
  assert.deepEqual(order, ["script_a", "script_a"]);
  await manager.remove(script);
  parent.addons.length = 0;
  manager.refresh();
  await manager.trigger("request", fakeFlow());
  assert.equal(order.length, 2);
});

Deno.test("triggering a hook nobody implements is cheap", async () => {
  const { manager } = setup();
  for (let i = 0; i < 50; i++) manager.add({ name: `a${i}`, response() {} });
  assert.ok(!manager.hasHook("responseheaders"));
  const flow = fakeFlow();
  const start = performance.now();
  for (let i = 0; i < 100_000; i++) await manager.trigger("responseheaders", flow);
  const perCall = (performance.now() - start) / 100_000;
  assert.ok(perCall < 0.01, `${perCall} ms per empty trigger`);
});
