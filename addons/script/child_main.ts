/**
 * Entry point of a script's sandbox process (`deno run` with exactly the script's grants,
 * plus reading its module files). It hosts one Worker that has the grants and nothing
 * else, and relays bytes: stdin -> worker, worker -> stdout, as transferred buffers (the
 * worker cuts and batches frames). The
 * proxy can SIGKILL this process when the script hangs, which `worker.terminate()` cannot
 * do for a busy loop.
 *
 * Arguments: the worker runtime's URL, the script's URL, the worker permissions as JSON.
 * Stdin closing (the proxy went away or retired us) ends the process.
 */
import { encodeFrame } from "./wire.ts";

function writeAll(bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += Deno.stdout.writeSync(bytes.subarray(off));
}

function fatal(message: string): void {
  writeAll(encodeFrame({ t: "fatal", error: { name: "Error", message, stack: "" } }));
}

async function main(): Promise<void> {
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
  worker.onmessage = (e: MessageEvent<ArrayBuffer>) => writeAll(new Uint8Array(e.data));
  worker.onerror = (e) => {
    e.preventDefault();
    fatal(e.message);
    Deno.exit(1);
  };
  worker.onmessageerror = () => fatal("a message from the worker could not be read");
  // Bytes are relayed as they come; the worker cuts them into frames.
  for await (const chunk of Deno.stdin.readable) {
    const own = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength
      ? chunk
      : chunk.slice();
    worker.postMessage(own.buffer, [own.buffer]);
  }
  Deno.exit(0);
}

main().catch((e) => {
  fatal(`sandbox process failed: ${e instanceof Error ? e.message : String(e)}`);
  Deno.exit(1);
});
