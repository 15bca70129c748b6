/**
 * Progress on stderr: a bar per phase on a terminal, a plain line per tenth otherwise (logs, CI,
 * --json runs whose stdout is for the summary only).
 */
export interface ProgressReporter {
  update(phase: string, done: number, total: number): void;
  log(line: string): void;
  finish(): void;
}

const BAR_WIDTH = 30;

export function createProgress(out: NodeJS.WriteStream = process.stderr): ProgressReporter {
  return out.isTTY ? new TerminalProgress(out) : new LineProgress(out);
}

class TerminalProgress implements ProgressReporter {
  private readonly phases = new Map<string, { done: number; total: number }>();
  private drawnLines = 0;

  constructor(private readonly out: NodeJS.WriteStream) {}

  update(phase: string, done: number, total: number): void {
    this.phases.set(phase, { done, total });
    this.draw();
  }

  log(line: string): void {
    this.clear();
    this.out.write(`${line}\n`);
    this.draw();
  }

  finish(): void {
    this.draw();
    this.drawnLines = 0;
  }

  private clear(): void {
    if (this.drawnLines > 0) this.out.write(`\x1b[${this.drawnLines}F\x1b[J`);
    this.drawnLines = 0;
  }

  private draw(): void {
    this.clear();
    for (const [phase, { done, total }] of this.phases) {
      const fraction = total === 0 ? 1 : Math.min(1, done / total);
      const filled = Math.round(fraction * BAR_WIDTH);
      this.out.write(
        `${phase.padEnd(8)} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${done}/${total}\n`,
      );
    }
    this.drawnLines = this.phases.size;
  }
}

class LineProgress implements ProgressReporter {
  private readonly reported = new Map<string, number>();

  constructor(private readonly out: NodeJS.WriteStream) {}

  update(phase: string, done: number, total: number): void {
    const tenth = total === 0 ? 10 : Math.floor((10 * done) / total);
    if ((this.reported.get(phase) ?? -1) >= tenth) return;
    this.reported.set(phase, tenth);
    const percent = total === 0 ? 100 : Math.floor((100 * done) / total);
    this.out.write(`${phase}: ${done}/${total} (${percent}%)\n`);
  }

  log(line: string): void {
    this.out.write(`${line}\n`);
  }

  finish(): void {}
}
