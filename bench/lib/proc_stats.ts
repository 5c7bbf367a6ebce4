/**
 * Linux /proc readers: CPU time and peak RSS of a process, its descendants, and which process of
 * a tree owns a listening TCP port (so a wrapper such as npm or a shell script is never measured
 * instead of the real proxy).
 */

/** Clock ticks per second for /proc/<pid>/stat times (USER_HZ; 100 on every Linux we target). */
export const CLOCK_TICKS_PER_SECOND = 100;

interface StatFields {
  ppid: number;
  utime: number;
  stime: number;
}

function readStat(pid: number): StatFields | null {
  let text: string;
  try {
    text = Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch {
    return null;
  }
  // comm may contain spaces and parentheses: fields resume after the last ")".
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // rest[0] is field 3 (state); ppid is field 4, utime 14, stime 15.
  return { ppid: Number(rest[1]), utime: Number(rest[11]), stime: Number(rest[12]) };
}

/** utime + stime of the process (all its threads), in clock ticks. */
export function cpuTicks(pid: number): number {
  const s = readStat(pid);
  if (s === null) throw new Error(`process ${pid} is gone (no /proc/${pid}/stat)`);
  return s.utime + s.stime;
}

export interface MemoryStatus {
  /** Current resident set size, KiB. */
  vmRssKb: number;
  /** Peak resident set size ("high water mark"), KiB. */
  vmHwmKb: number;
}

export function memoryStatus(pid: number): MemoryStatus {
  const text = Deno.readTextFileSync(`/proc/${pid}/status`);
  const field = (name: string): number => {
    const m = text.match(new RegExp(`^${name}:\\s+(\\d+) kB`, "m"));
    if (!m) throw new Error(`no ${name} in /proc/${pid}/status`);
    return Number(m[1]);
  };
  return { vmRssKb: field("VmRSS"), vmHwmKb: field("VmHWM") };
}

function allPids(): number[] {
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (/^\d+$/.test(entry.name)) pids.push(Number(entry.name));
  }
  return pids;
}

/** Every live descendant of `root` (not including it). */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const pid of allPids()) {
    const s = readStat(pid);
    if (s === null) continue;
    const list = children.get(s.ppid) ?? [];
    list.push(pid);
    children.set(s.ppid, list);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    for (const child of children.get(pid) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** Socket inodes of TCP sockets in LISTEN state on `port` (IPv4 and IPv6 tables). */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const portHex = port.toString(16).toUpperCase().padStart(4, "0");
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = Deno.readTextFileSync(table);
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      const local = cols[1];
      if (cols[3] === "0A" && local.slice(local.lastIndexOf(":") + 1) === portHex) {
        inodes.add(cols[9]);
      }
    }
  }
  return inodes;
}

/**
 * The pid in `root`'s process tree that holds a listening socket on `port`, or null (not
 * listening yet, or the port is held by somebody else's process).
 */
export function listenerPidInTree(root: number, port: number): number | null {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return null;
  for (const pid of [root, ...descendants(root)]) {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(`/proc/${pid}/fd`)];
    } catch {
      continue;
    }
    for (const e of entries) {
      let target: string;
      try {
        target = Deno.readLinkSync(`/proc/${pid}/fd/${e.name}`);
      } catch {
        continue;
      }
      const m = target.match(/^socket:\[(\d+)\]$/);
      if (m && inodes.has(m[1])) return pid;
    }
  }
  return null;
}

/** Whether anything at all listens on `port` (ours or not). */
export function portHasListener(port: number): boolean {
  return listeningInodes(port).size > 0;
}
