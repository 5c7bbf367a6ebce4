/**
 * Refuses clients by address (mitmproxy's `block.py`): `block_global` (on by default, so the
 * proxy is not an open relay to the internet) and `block_private`. Loopback is always allowed.
 */
import type { Client } from "../core/flow/connection.ts";
import type { Loader } from "../core/hooks.ts";
import type { Options } from "../core/options.ts";
import { classifyAddress } from "../core/net/address_class.ts";

export class Block {
  readonly name = "block";
  #options: Options | null = null;

  load(loader: Loader): void {
    this.#options = loader.options;
    loader.add_option("block_global", "bool", true, "Block connections from public IP addresses.");
    loader.add_option(
      "block_private",
      "bool",
      false,
      "Block connections from local (private) IP addresses. This option does not affect loopback addresses (connections from the local machine), which are always permitted.",
    );
  }

  client_connected(client: Client): void {
    if (client.peername === null) return;
    const kind = classifyAddress(client.peername[0]);
    if (kind === "loopback") return;
    const options = this.#options!;
    if (kind === "private" && options.get("block_private")) {
      client.error = `Client connection from ${client.peername[0]} killed by block_private option.`;
    } else if (kind === "global" && options.get("block_global")) {
      client.error = `Client connection from ${client.peername[0]} killed by block_global option.`;
    }
  }
}
