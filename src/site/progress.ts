/**
 * Progress of a long stage on stderr: done/total, rate and time left, at most every few seconds,
 * and only for archives large enough to take a while. Silent with --quiet.
 */
export type ProgressReporter = (stage: string) => (done: number, total: number) => void;

const MIN_ITEMS = 500;
const INTERVAL_MS = 3000;

export function stderrProgress(): ProgressReporter {
  return (stage) => {
    const started = performance.now();
    let last = started;
    return (done, total) => {
      const now = performance.now();
      if (total < MIN_ITEMS || done === 0 || now - last < INTERVAL_MS) return;
      last = now;
      const rate = done / ((now - started) / 1000);
      const left = Math.round((total - done) / rate);
      process.stderr.write(
        `  ${stage}: ${done}/${total} (${Math.round(rate)}/s, about ${left} s left)\n`,
      );
    };
  };
}

export const silentProgress: ProgressReporter = () => () => {};
