/** Command-line flags of bench/https_bench.ts. */

import { TLS_PEER_NAMES, type TlsPeerName } from "./tls_peers.ts";

export const HTTPS_TESTS = ["keepalive", "new-distinct", "new-same"] as const;
export type HttpsTestName = typeof HTTPS_TESTS[number];

export interface HttpsBenchArgs {
  durationS: number;
  warmupS: number;
  connections: number;
  concurrency: number;
  only: TlsPeerName[];
  tests: HttpsTestName[];
  upstreamInsecure: boolean;
  jsonPath: string | null;
}

export const HTTPS_USAGE = `usage: deno run -A bench/https_bench.ts [options]

  --duration N          seconds per measured run (default 10)
  --warmup N            seconds of unmeasured load before each run (default 2; 0 = none)
  --connections N       keep-alive connections for the request-rate test (default 50)
  --concurrency N       parallel connect-handshake-GET-close loops for the
                        new-connection tests (default 16)
  --only LIST           comma-separated subset of: ${TLS_PEER_NAMES.join(",")}
  --tests LIST          comma-separated subset of: ${HTTPS_TESTS.join(",")}
  --upstream-insecure   proxies do not verify the origin's certificate (default: they verify
                        it against the bench CA)
  --json PATH           also write the results as JSON to PATH
  -h, --help            show this help`;

function positive(flag: string, value: string | undefined, allowZero = false): number {
  const n = Number(value);
  if (value === undefined || !Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
    throw new Error(`${flag} needs a ${allowZero ? "non-negative" : "positive"} number`);
  }
  return n;
}

function list<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]) {
  const names = (value ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
  const unknown = names.filter((n) => !(allowed as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) {
    throw new Error(`${flag}: unknown name(s) ${unknown.join(",")}; use ${allowed.join(",")}`);
  }
  return allowed.filter((n) => names.includes(n));
}

/** Returns the parsed flags, or a string to print (help or an error) and exit with. */
export function parseHttpsArgs(argv: string[]): HttpsBenchArgs | { exit: number; message: string } {
  const args: HttpsBenchArgs = {
    durationS: 10,
    warmupS: 2,
    connections: 50,
    // 16 loops keep every proxy busy: at 8, mitmdeno's event loop sat idle ~20% of the time
    // waiting on the other processes (CPU profile); 16 gave mitmdeno +30% and mitmdump +19%,
    // 32 little more (2026-11-27).
    concurrency: 16,
    only: [...TLS_PEER_NAMES],
    tests: [...HTTPS_TESTS],
    upstreamInsecure: false,
    jsonPath: null,
  };
  try {
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i];
      const [flag, inline] = arg.startsWith("--") && arg.includes("=")
        ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
        : [arg, undefined];
      const value = (): string | undefined => inline ?? argv[++i];
      switch (flag) {
        case "-h":
        case "--help":
          return { exit: 0, message: HTTPS_USAGE };
        case "--duration":
          args.durationS = positive(flag, value());
          break;
        case "--warmup":
          args.warmupS = positive(flag, value(), true);
          break;
        case "--connections":
          args.connections = Math.round(positive(flag, value()));
          break;
        case "--concurrency":
          args.concurrency = Math.round(positive(flag, value()));
          break;
        case "--only":
          args.only = list(flag, value(), TLS_PEER_NAMES);
          break;
        case "--tests":
          args.tests = list(flag, value(), HTTPS_TESTS);
          break;
        case "--upstream-insecure":
          args.upstreamInsecure = true;
          break;
        case "--json": {
          const path = value();
          if (!path) throw new Error("--json needs a path");
          args.jsonPath = path;
          break;
        }
        default:
          throw new Error(`unknown argument ${arg}`);
      }
    }
  } catch (e) {
    return { exit: 2, message: `${(e as Error).message}\n\n${HTTPS_USAGE}` };
  }
  return args;
}
