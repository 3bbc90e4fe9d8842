/**
 * A progress line for long CLI operations, on stderr: a bar redrawn in place on a terminal, and a
 * line per tenth of the way (and at the end) when stderr is a file or a pipe, so CI logs stay short.
 */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr) {
  const width = 30;
  let lastTenth = -1;
  return {
    update(done: number, total: number): void {
      const fraction = total === 0 ? 1 : Math.min(1, done / total);
      if (stream.isTTY) {
        const filled = Math.round(fraction * width);
        stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
        if (done >= total) stream.write('\n');
        return;
      }
      const tenth = Math.floor(fraction * 10);
      if (tenth > lastTenth || done >= total) {
        lastTenth = tenth;
        stream.write(`${label} ${done}/${total} (${Math.round(fraction * 100)}%)\n`);
      }
    },
  };
}
