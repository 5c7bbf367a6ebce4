/** The built-in addons every tool loads, in order. */
import type { Addon } from "../core/hooks.ts";
import type { RsaSignerFactory } from "../core/certs/rsa_signer.ts";
import type { HookRunner } from "../proxy/server.ts";
import { type ScriptHost, ScriptLoader } from "./script/script.ts";
import { Block } from "./block.ts";
import { CoreCommands } from "./core_commands.ts";
import { coreOptions } from "./core_options.ts";
import { nextLayerAddon } from "./next_layer.ts";
import { ProxyServer } from "./proxyserver.ts";
import { ReadFile } from "./read_file.ts";
import { Save } from "./save.ts";
import { Export } from "./export.ts";
import { SaveHar } from "./save_har.ts";
import { TlsConfig } from "./tlsconfig.ts";
import { Onboarding } from "./onboarding.ts";

/** Native engines the entry point may offer (core code opens no libraries itself). */
export interface NativeEngines {
  /** Signs forged leaves faster than WebCrypto (OpenSSL through FFI). */
  rsaSigner?: RsaSignerFactory;
}

export function defaultAddons(hooks: HookRunner & ScriptHost, native: NativeEngines = {}): Addon[] {
  return [
    coreOptions,
    new CoreCommands(),
    new ReadFile(hooks),
    // Before Save, so saved flows and the printer see what scripts changed.
    new ScriptLoader(hooks),
    new Save(),
    new SaveHar(),
    new Export(),
    new Block(),
    new TlsConfig(undefined, undefined, native.rsaSigner ?? null),
    new Onboarding(),
    nextLayerAddon as Addon,
    new ProxyServer(hooks),
  ];
}
