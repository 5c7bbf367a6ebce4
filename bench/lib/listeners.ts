/**
 * Starting servers on ports picked here, and knowing which process of the started tree actually
 * listens (the one to measure).
 */

import { listenerPidInTree, portHasListener } from "./proc_stats.ts";
import { type Service, sleep, type SpawnOptions, spawnService, stopService } from "./processes.ts";

/** A port that was free a moment ago on 127.0.0.1 (the kernel picks it). */
export function pickFreePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Waits until a process of `service`'s tree listens on `port`; returns that process's pid. */
export async function waitForListener(
  service: Service,
  port: number,
  timeoutMs: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let heldSince: number | null = null;
  while (Date.now() < deadline) {
    const pid = listenerPidInTree(service.pid, port);
    if (pid !== null) return pid;
    // Somebody else's process took the port: ours cannot bind it (it may not even exit).
    heldSince = portHasListener(port) ? heldSince ?? Date.now() : null;
    if (heldSince !== null && Date.now() - heldSince > 1000) break;
    if (service.exited) {
      throw new Error(
        `${service.name} exited (code ${service.exited.code}) before listening on port ${port}:\n` +
          service.output(),
      );
    }
    await sleep(100);
  }
  const why = portHasListener(port)
    ? "the port is held by another process"
    : `nothing listened within ${timeoutMs} ms`;
  throw new Error(`${service.name} could not listen on port ${port}: ${why}:\n${service.output()}`);
}

export interface Listening {
  service: Service;
  port: number;
  /** The process that owns the listening socket: the one to measure. */
  pid: number;
}

/**
 * Starts a server on a port picked here; when another process grabs the port between picking
 * and binding (other people run servers on this machine), tries again on a new port.
 */
export async function startOnFreePort(
  name: string,
  command: (port: number) => { cmd: string; args: string[]; opts?: SpawnOptions },
  timeoutMs: number,
): Promise<Listening> {
  let lastError: unknown = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = pickFreePort();
    const { cmd, args, opts } = command(port);
    const service = spawnService(name, cmd, args, opts);
    try {
      const pid = await waitForListener(service, port, timeoutMs);
      return { service, port, pid };
    } catch (e) {
      lastError = e;
      await stopService(service);
      if (!portHasListener(port)) break;
    }
  }
  throw lastError;
}
