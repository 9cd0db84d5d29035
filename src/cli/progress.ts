/**
 * Live progress on stderr: one redrawn line on a terminal, plain lines every few seconds otherwise (CI logs).
 */
export interface ProgressState {
  scenario: string;
  index: number;
  count: number;
  repeat: number;
  repeats: number;
  done: number;
  failed: number;
  total: number | null;
  elapsedMs: number;
  durationMs: number | null;
}

export function progressLine(p: ProgressState, width = 24): string {
  const frac = p.total ? p.done / p.total : p.durationMs ? Math.min(1, p.elapsedMs / p.durationMs) : 0;
  const filled = Math.round(frac * width);
  const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
  const rep = p.repeats > 1 ? ` repeat ${p.repeat + 1}/${p.repeats}` : '';
  const count = p.total ? `${p.done}/${p.total}` : `${p.done}`;
  return `[${p.index}/${p.count}] ${p.scenario}${rep} ${bar} ${count} requests${p.failed ? `, ${p.failed} failed` : ''}, ${(p.elapsedMs / 1000).toFixed(1)} s`;
}

export class Progress {
  private lastPlain = 0;
  private drawn = false;
  constructor(private readonly write: (s: string) => void, private readonly tty: boolean, private readonly plainEveryMs = 5000) {}

  update(p: ProgressState): void {
    if (this.tty) {
      this.write(`\r\x1b[2K${progressLine(p)}`);
      this.drawn = true;
      return;
    }
    const now = Date.now();
    if (now - this.lastPlain >= this.plainEveryMs || (p.total !== null && p.done === p.total)) {
      this.lastPlain = now;
      this.write(`${progressLine(p)}\n`);
    }
  }

  done(): void {
    if (this.tty && this.drawn) this.write('\r\x1b[2K');
    this.drawn = false;
    this.lastPlain = 0;
  }
}
