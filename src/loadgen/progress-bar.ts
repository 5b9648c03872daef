/**
 * A progress bar on stderr for seeding: redrawn in place on a terminal, a
 * plain line every few seconds otherwise (CI logs must not fill with \r).
 */
export interface ProgressBar {
  tick(n?: number): void;
  done(): void;
}

export function progressBar(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  const t0 = performance.now();
  let count = 0;
  let last = 0;
  const tty = stream.isTTY === true;
  const draw = (final: boolean) => {
    const seconds = (performance.now() - t0) / 1000;
    const fraction = total === 0 ? 1 : count / total;
    const width = 24;
    const filled = Math.round(fraction * width);
    const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
    const rate = seconds > 0 ? Math.round(count / seconds) : 0;
    const line = `${label.padEnd(9)} [${bar}] ${String(Math.round(fraction * 100)).padStart(3)}% ${count}/${total} (${rate}/s, ${seconds.toFixed(1)} s)`;
    stream.write(tty ? `\r${line}${final ? '\n' : ''}` : `${line}\n`);
  };
  return {
    tick(n = 1) {
      count += n;
      const now = performance.now();
      if (now - last >= (tty ? 100 : 2000)) {
        last = now;
        draw(false);
      }
    },
    done() {
      draw(true);
    },
  };
}
