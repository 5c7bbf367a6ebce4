/**
 * Entry point of a script's sandbox process (`deno run` with exactly the script's grants,
 * plus reading its module files). It hosts one Worker that has the grants and nothing
 * else. The worker reads stdin and writes stdout itself (`worker_channel.ts`); this thread
 * only starts it, reports a worker that dies, and exits when the worker says the channel
 * closed. The proxy can SIGKILL this process when the script hangs, which
 * `worker.terminate()` cannot do for a busy loop.
 *
 * Arguments: the worker runtime's URL, the script's URL, the worker permissions as JSON.
 */
import { EXIT_MESSAGE } from "./protocol.ts";
import { encodeFrame } from "./wire_writer.ts";

function fatal(message: string): void {
  const bytes = encodeFrame({ t: "fatal", error: { name: "Error", message, stack: "" } });
  let off = 0;
  while (off < bytes.length) off += Deno.stdout.writeSync(bytes.subarray(off));
}

function main(): void {
  const [runtimeUrl, scriptUrl, permissions] = Deno.args;
  // The script is imported with a string literal, so it loads as part of this module graph
  // (with this process's read access to the module files) while the worker itself has none.
  const source = `import { boot } from ${JSON.stringify(runtimeUrl)};\n` +
    `boot(() => import(${JSON.stringify(scriptUrl)}));\n`;
  const worker = new Worker(`data:text/javascript,${encodeURIComponent(source)}`, {
    type: "module",
    name: "script",
    deno: { permissions: JSON.parse(permissions) },
  });
  worker.onmessage = (e: MessageEvent<unknown>) => {
    if (e.data === EXIT_MESSAGE) Deno.exit(0);
  };
  worker.onerror = (e) => {
    e.preventDefault();
    fatal(e.message);
    Deno.exit(1);
  };
}

try {
  main();
} catch (e) {
  fatal(`sandbox process failed: ${e instanceof Error ? e.message : String(e)}`);
  Deno.exit(1);
}
