import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

/**
 * Runs a command as a child process and measures it from outside: wall time and the peak resident
 * memory of the whole process tree (GNU time's "Maximum resident set size", which includes
 * children such as Pagefind's binary; without GNU time, the child's VmHWM polled from /proc).
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

function polledPeakMb(pid: number): number | null {
  try {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return hwm?.[1] ? Number(hwm[1]) / 1024 : null;
  } catch {
    return null;
  }
}

export function measure(command: string, args: string[], options: RunOptions): Promise<Measured> {
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
    let polledPeak: number | null = null;
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
    const timer = setInterval(() => {
      if (!hasGnuTime && child.pid) {
        const now = polledPeakMb(child.pid);
        if (now !== null) polledPeak = Math.max(polledPeak ?? 0, now);
      }
      void options.poll?.();
    }, 2000);
    child.on("close", (code) => {
      clearInterval(timer);
      const ms = Math.round(performance.now() - started);
      const maxRss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderrAll)?.[1];
      const peakMb = maxRss
        ? Math.round(Number(maxRss) / 1024)
        : polledPeak && Math.round(polledPeak);
      // GNU time exits with the command's status, so code is the command's either way.
      const report = stderrAll.indexOf("\tCommand being timed");
      const errorTail = (report >= 0 ? stderrAll.slice(0, report) : stderrAll).slice(-3000);
      resolve({ ok: code === 0, ms, peakMb: peakMb ?? null, stages, errorTail });
    });
  });
}
