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
    if (now - last < 2000 && !(finished && now - started > 2000)) return;
    last = now;
    const seconds = (now - started) / 1000;
    const rate = done / Math.max(seconds, 0.001);
    const left = rate > 0 ? (total - done) / rate : 0;
    process.stderr.write(
      `  ${label}: ${done}/${total} ${unit} (${rate.toFixed(0)} ${unit}/s, ETA ${rate > 0 ? formatSeconds(left) : "?"})\n`,
    );
  };
}

export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(0)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}
