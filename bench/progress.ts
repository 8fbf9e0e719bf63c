/**
 * Progress of a long step on stderr: done/total, rate and time left, at most every two seconds
 * so a 10,000-article run stays readable.
 */
export function progressReporter(
  label: string,
  quiet: boolean,
  unit = "articles",
): (done: number, total: number) => void {
  if (quiet) return () => {};
  const started = performance.now();
  let last = started;
  return (done, total) => {
    const now = performance.now();
    const finished = done >= total - 1;
    // Before the first item (Eleventy reads every template before writing any) a line every two
    // seconds says nothing new; every ten is enough to show the step is alive.
    const interval = done === 0 ? 10_000 : 2000;
    if (now - last < interval && !(finished && now - started > 2000)) return;
    last = now;
    const seconds = (now - started) / 1000;
    const rate = done / Math.max(seconds, 0.001);
    const left = rate > 0 ? (total - done) / rate : 0;
    process.stderr.write(
      done === 0
        ? `  ${label}: 0/${total} ${unit} after ${formatSeconds(seconds)}\n`
        : `  ${label}: ${done}/${total} ${unit} (${rate.toFixed(0)} ${unit}/s, ETA ${formatSeconds(left)})\n`,
    );
  };
}

export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(0)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}
