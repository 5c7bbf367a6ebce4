/** Command-line flags of bench/http_proxy_bench.ts. */

import { PEER_NAMES, type PeerName } from "./peers.ts";

export interface BenchArgs {
  durationS: number;
  warmupS: number;
  threads: number;
  connections: number;
  only: PeerName[];
  skipDownload: boolean;
  downloadRuns: number;
  jsonPath: string | null;
}

export const USAGE = `usage: deno task bench [options]

  --duration N        seconds per measured wrk run (default 10)
  --warmup N          seconds of unmeasured wrk warm-up per proxy (default 2; 0 = none)
  --threads N         wrk threads (default 2)
  --connections N     wrk connections (default 50)
  --only LIST         comma-separated subset of: ${PEER_NAMES.join(",")}
  --skip-download     skip the 1 GiB streamed download test
  --download-runs N   1 GiB downloads per peer, the fastest is reported (default 3)
  --json PATH         also write the results as JSON to PATH
  -h, --help          show this help`;

function positiveNumber(flag: string, value: string | undefined, allowZero = false): number {
  const n = Number(value);
  if (value === undefined || !Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
    throw new Error(`${flag} needs a ${allowZero ? "non-negative" : "positive"} number`);
  }
  return n;
}

/** Returns the parsed flags, or a string to print (help or an error) and exit with. */
export function parseArgs(argv: string[]): BenchArgs | { exit: number; message: string } {
  const args: BenchArgs = {
    durationS: 10,
    warmupS: 2,
    threads: 2,
    connections: 50,
    only: [...PEER_NAMES],
    skipDownload: false,
    downloadRuns: 3,
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
          return { exit: 0, message: USAGE };
        case "--duration":
          args.durationS = Math.round(positiveNumber(flag, value()));
          break;
        case "--warmup":
          args.warmupS = Math.round(positiveNumber(flag, value(), true));
          break;
        case "--threads":
          args.threads = Math.round(positiveNumber(flag, value()));
          break;
        case "--connections":
          args.connections = Math.round(positiveNumber(flag, value()));
          break;
        case "--only": {
          const names = (value() ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
          const unknown = names.filter((n) => !(PEER_NAMES as readonly string[]).includes(n));
          if (names.length === 0 || unknown.length > 0) {
            throw new Error(`--only: unknown peer(s) ${unknown.join(",")}; use ${PEER_NAMES}`);
          }
          args.only = PEER_NAMES.filter((n) => names.includes(n));
          break;
        }
        case "--download-runs":
          args.downloadRuns = Math.round(positiveNumber(flag, value()));
          break;
        case "--skip-download":
          args.skipDownload = true;
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
    return { exit: 2, message: `${(e as Error).message}\n\n${USAGE}` };
  }
  if (args.threads > args.connections) {
    return { exit: 2, message: "--threads must not exceed --connections" };
  }
  return args;
}
