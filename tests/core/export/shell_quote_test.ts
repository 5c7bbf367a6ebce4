import { deepStrictEqual, strictEqual } from "node:assert/strict";
import fc from "fast-check";
import { latin1Decode, latin1Encode } from "../../../codecs/bytes.ts";
import {
  printfCommand,
  printfFormat,
  shellQuote,
  shellWord,
} from "../../../core/export/shell_quote.ts";

async function sh(shell: string, script: string): Promise<Uint8Array> {
  const out = await new Deno.Command(shell, {
    args: ["-c", script],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  if (!out.success || stderr) throw new Error(`${shell} -c ${script}: ${out.code} ${stderr}`);
  return out.stdout;
}

/** `sh` is dash on Debian: a check that the output is POSIX, not only bash. */
const SHELLS = ["bash", ...(await sh("bash", "command -v dash").then(() => ["dash"], () => []))];

Deno.test("shellQuote is shlex.quote", () => {
  strictEqual(shellQuote(""), "''");
  strictEqual(shellQuote("http://a:22/p,x@y%z+=-_."), "http://a:22/p,x@y%z+=-_.");
  strictEqual(shellQuote("a b"), "'a b'");
  strictEqual(shellQuote("it's"), `'it'"'"'s'`);
  strictEqual(shellQuote('$HOME `x` \\ "q"'), `'$HOME \`x\` \\ "q"'`);
  strictEqual(shellQuote("ü"), "'ü'");
});

// Strings without NUL (argv cannot hold it) and without lone surrogates (not text).
const shellText = fc.string({ unit: "binary", maxLength: 30 }).map((s) =>
  s.replaceAll("\0", "").toWellFormed()
);

Deno.test("property: any text round-trips through bash -c 'printf %s <quoted>'", async () => {
  await fc.assert(
    fc.asyncProperty(shellText, async (s) => {
      const out = await sh("bash", `printf %s ${shellQuote(s)}`);
      strictEqual(new TextDecoder().decode(out), s);
    }),
    { numRuns: 150 },
  );
});

Deno.test("property: printfCommand prints any bytes exactly (NUL, trailing newlines, %)", async () => {
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 40 }),
    fc.string({ maxLength: 30 }).map((s) => new TextEncoder().encode(s)),
    fc.constantFrom(...["-n", "%s%%\\", "\n\n", "@x", "'"].map((s) => new TextEncoder().encode(s))),
  );
  for (const shell of SHELLS) {
    await fc.assert(
      fc.asyncProperty(bytes, async (b) => {
        deepStrictEqual(await sh(shell, printfCommand(b)), b, printfCommand(b));
      }),
      { numRuns: 80 },
    );
  }
});

Deno.test("property: shellWord gives back a header's bytes", async () => {
  // Header values never hold NUL or end in a newline (command substitution drops both).
  const latin1 = fc.uint8Array({ maxLength: 30 })
    .map((b) => latin1Decode(b).replaceAll("\0", "").replace(/\n+$/, ""));
  await fc.assert(
    fc.asyncProperty(latin1, async (s) => {
      deepStrictEqual(await sh("bash", `printf %s ${shellWord(s)}`), latin1Encode(s), shellWord(s));
    }),
    { numRuns: 100 },
  );
});

Deno.test("printfFormat keeps text readable and escapes the rest", () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  strictEqual(printfFormat(enc("a\tb\r\n100% \\ ü")), "a\\tb\\r\\n100%% \\\\ ü");
  strictEqual(printfFormat(new Uint8Array([0, 0x1b, 0x7f, 0xc3, 0x41])), "\\000\\033\\177\\303A");
  strictEqual(printfFormat(enc("-x")), "\\055x");
  strictEqual(printfFormat(enc("\u0085")), "\\302\\205");
  strictEqual(printfCommand(enc("plain text")), "printf %s 'plain text'");
  strictEqual(shellWord("X-A: \xc3\xbc"), "'X-A: ü'");
  strictEqual(shellWord("X-A: \xfc"), `"$(printf 'X-A: \\374')"`);
});
