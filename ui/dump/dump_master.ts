/**
 * `mitmdeno dump`: the mitmdump tool. Builds the master with the default addons and the
 * printer, reads config.yaml from the confdir, applies the command line, and runs until
 * SIGINT/SIGTERM, letting in-flight flows finish.
 */
import { defaultAddons } from "../../addons/default_addons.ts";
import { DEFAULT_CONFDIR } from "../../addons/core_options.ts";
import { Master } from "../../core/master.ts";
import { VERSION } from "../../core/version.ts";
import { expandHome } from "../../core/paths.ts";
import { ArgsError, helpText, parseArgs } from "../cli/args.ts";
import { Dumper } from "./dumper.ts";
import { termLog } from "./termlog.ts";
import { ErrorCheck } from "./error_check.ts";
import type { ReadFile } from "../../addons/read_file.ts";
import type { ScriptLoader } from "../../addons/script/script.ts";
import { utf8Encode } from "../../codecs/bytes.ts";
import { openLibcryptoRsaSigner } from "../../ffi/libcrypto_rsa_signer.ts";

function writeStdout(text: string): void {
  Deno.stdout.writeSync(utf8Encode(text));
}

function writeStderr(text: string): void {
  Deno.stderr.writeSync(utf8Encode(text));
}

function readConfig(master: Master, confdir: string): void {
  for (const name of ["config.yaml", "config.yml"]) {
    const path = `${expandHome(confdir)}/${name}`;
    let text: string;
    try {
      text = Deno.readTextFileSync(path);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) continue;
      throw e;
    }
    master.options.loadYaml(text, path, { defer: true });
    return;
  }
}

export async function runDump(argv: readonly string[]): Promise<number> {
  const master = new Master();
  const color = Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR");
  const errorCheck = new ErrorCheck((errors) => {
    writeStderr(`mitmdeno dump: start-up failed:\n  ${errors.join("\n  ")}\n`);
    master.shutdown(1);
  });
  master.logger.subscribe(errorCheck.observe);
  master.addons.add(
    ...defaultAddons(master.addons, { rsaSigner: openLibcryptoRsaSigner }),
    new Dumper({ write: writeStdout, color }),
    errorCheck,
  );
  let args;
  try {
    args = parseArgs(argv, master.options);
  } catch (e) {
    if (!(e instanceof ArgsError)) throw e;
    writeStderr(`mitmdeno dump: error: ${e.message}\n`);
    return 2;
  }
  if (args.help) {
    writeStdout(
      helpText(
        "dump",
        "mitmdeno dump: a programmable intercepting HTTP proxy (like mitmdump).",
        master.options,
      ),
    );
    return 0;
  }
  if (args.version) {
    writeStdout(
      `mitmdeno: ${VERSION}\nDeno: ${Deno.version.deno}\nV8: ${Deno.version.v8}\nTypeScript: ${Deno.version.typescript}\nPlatform: ${Deno.build.target}\n`,
    );
    return 0;
  }
  if (args.listOptions) {
    writeStdout(master.options.dumpDefaults());
    return 0;
  }
  if (args.listCommands) {
    writeStdout(master.commands.dump());
    return 0;
  }
  if (args.positionals.length > 0) {
    // As mitmdump: the filter limits what is printed, saved (-w) and read (-r).
    const filter = args.positionals.join(" ");
    for (const name of ["dumper_filter", "save_stream_filter", "readfile_filter"]) {
      args.sets.push(`${name}=${filter}`);
    }
  }
  try {
    const confdirSet = args.sets.findLast((s) => s.startsWith("confdir="));
    readConfig(master, confdirSet ? confdirSet.slice("confdir=".length) : DEFAULT_CONFDIR);
    master.options.applySetArgs(args.sets, { defer: true });
    // Scripts declare their own options: load them before checking for unknown --set names.
    await (master.addons.get("script") as ScriptLoader).whenLoaded();
    master.options.applyPending();
    master.options.assertNoPending();
  } catch (e) {
    writeStderr(`mitmdeno dump: error: ${e instanceof Error ? e.message : e}\n`);
    return 2;
  }
  master.logger.subscribe(termLog(master.options, { out: writeStdout, err: writeStderr }));
  const stop = () => master.shutdown(0);
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  try {
    // mitmdump's keepserving rule: without a proxy server (-n) there is nothing left to do
    // once the flow file (-r) has been read, unless keepserving is set.
    const readFile = master.addons.get("readfile") as ReadFile;
    readFile.readDone.then(() => {
      if (!master.options.get("server") && !master.options.get("keepserving")) master.shutdown(0);
    });
    return await master.run();
  } catch (e) {
    writeStderr(`mitmdeno dump: error: ${e instanceof Error ? e.message : e}\n`);
    return 1;
  } finally {
    Deno.removeSignalListener("SIGINT", stop);
    Deno.removeSignalListener("SIGTERM", stop);
  }
}
