import { execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";

/**
 * Runs a command as a child process and measures it from outside: wall time and the peak resident
 * memory of the process tree: the larger of GNU time's "Maximum resident set size" (the largest
 * single process, exact) and the summed RSS of the tree sampled from /proc every 250 ms.
 */

const GNU_TIME = "/usr/bin/time";
export const hasGnuTime = existsSync(GNU_TIME);

export interface StageLine {
  stage: string;
  ms?: number;
  peakMb?: number;
  unavailable?: string;
  [key: string]: unknown;
}

export interface Measured {
  ok: boolean;
  /** Wall time of the whole process, start-up included. */
  ms: number;
  /** Peak RSS of the process tree in MB, or null where it could not be read. */
  peakMb: number | null;
  stages: StageLine[];
  /** The end of stderr, for the reason of a failure. */
  errorTail: string;
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string>;
  /** Forward the child's stderr (its own progress lines) to ours. */
  forwardStderr: boolean;
  /** Called every two seconds while the child runs, e.g. to count files it has written. */
  poll?: () => Promise<void> | void;
}

/**
 * Resident memory of a process and all its descendants right now, in MB: GNU time reports the
 * largest single process, but Pagefind's binary runs beside the node process that started it.
 */
function treeRssMb(rootPid: number): number | null {
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return null;
  }
  const children = new Map<number, number[]>();
  for (const name of entries) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // The command name may hold spaces and parentheses; fields resume after the last ")".
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = children.get(parent) ?? [];
      list.push(Number(name));
      children.set(parent, list);
    } catch {}
  }
  let kb = 0;
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.pop() as number;
    try {
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
      kb += Number(rss ?? 0);
    } catch {}
    queue.push(...(children.get(pid) ?? []));
  }
  return kb > 0 ? kb / 1024 : null;
}

/**
 * Writes what earlier steps left in the page cache to disk before a measured step starts, so that
 * writing it back is not charged to (or slowing) whichever tool happens to be timed next.
 */
function flushPendingWrites(): void {
  try {
    execFileSync("sync", { stdio: "ignore" });
  } catch {}
}

export function measure(command: string, args: string[], options: RunOptions): Promise<Measured> {
  flushPendingWrites();
  const [file, argv] = hasGnuTime ? [GNU_TIME, ["-v", command, ...args]] : [command, args];
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(file, argv, {
      cwd: options.cwd,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...options.env },
    });
    const stages: StageLine[] = [];
    let stdoutRest = "";
    let stderrAll = "";
    let treePeak: number | null = null;
    child.stdout.on("data", (chunk: Buffer) => {
      const lines = (stdoutRest + chunk.toString()).split("\n");
      stdoutRest = lines.pop() ?? "";
      for (const line of lines) {
        const json = /^BENCH (\{.*\})\s*$/.exec(line)?.[1];
        if (json) stages.push(JSON.parse(json) as StageLine);
      }
    });
    let inTimeReport = false;
    let stderrRest = "";
    child.stderr.on("data", (chunk: Buffer) => {
      const text = chunk.toString();
      stderrAll = (stderrAll + text).slice(-200_000);
      if (!options.forwardStderr) return;
      const lines = (stderrRest + text).split("\n");
      stderrRest = lines.pop() ?? "";
      for (const line of lines) {
        // GNU time's report closes the stream; it is parsed below, not shown.
        if (/^\s*Command (being timed|exited with)/.test(line)) inTimeReport = true;
        if (!inTimeReport && line.trim() !== "") process.stderr.write(`${line}\n`);
      }
    });
    const sampler = setInterval(() => {
      if (!child.pid) return;
      const now = treeRssMb(child.pid);
      if (now !== null) treePeak = Math.max(treePeak ?? 0, now);
    }, 250);
    const timer = setInterval(() => void options.poll?.(), 2000);
    child.on("close", (code) => {
      clearInterval(timer);
      clearInterval(sampler);
      const ms = Math.round(performance.now() - started);
      const maxRss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderrAll)?.[1];
      const largestProcess = maxRss ? Number(maxRss) / 1024 : 0;
      // Sampling can miss a short spike that GNU time's exact figure catches, and GNU time misses
      // processes running side by side; the larger of the two is the closer to the truth.
      const peak = Math.max(largestProcess, treePeak ?? 0);
      // GNU time exits with the command's status, so code is the command's either way.
      const report = stderrAll.indexOf("\tCommand being timed");
      const errorTail = (report >= 0 ? stderrAll.slice(0, report) : stderrAll).slice(-3000);
      resolve({
        ok: code === 0,
        ms,
        peakMb: peak > 0 ? Math.round(peak) : null,
        stages,
        errorTail,
      });
    });
  });
}
