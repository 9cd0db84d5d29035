/**
 * Live progress on stderr: one redrawn line on a terminal, plain lines every few seconds otherwise (CI logs).
 * Preparation (building exact-length prompts) and slow steps (opening a target) show only once they have taken
 * a second, so quick runs stay quiet and a log gets a line or two, not one per prompt.
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

export interface PreparingState {
  scenario: string;
  index: number;
  count: number;
  repeat: number;
  repeats: number;
  prepared: number;
  total: number;
  elapsedMs: number;
}

export function preparingLine(p: PreparingState, width = 24): string {
  const filled = Math.round((p.total ? p.prepared / p.total : 0) * width);
  const rep = p.repeats > 1 ? ` repeat ${p.repeat + 1}/${p.repeats}` : '';
  return `[${p.index}/${p.count}] ${p.scenario}${rep} preparing prompts ${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${p.prepared}/${p.total}, ${(p.elapsedMs / 1000).toFixed(1)} s`;
}

/** Quiet for this long: preparation and steps that finish sooner print nothing. */
export const QUIET_MS = 1000;

export class Progress {
  private lastPlain = 0;
  private drawn = false;
  private lastPrepPlain = 0;
  private prepShown = false;
  private readonly steps = new Map<string, { started: number; timer: NodeJS.Timeout | null; shown: boolean }>();
  constructor(private readonly write: (s: string) => void, private readonly tty: boolean, private readonly plainEveryMs = 5000, private readonly now: () => number = () => performance.now()) {}

  /** Prompt preparation: shown after QUIET_MS; a log gets a line then, every plainEveryMs, and when done. */
  preparing(p: PreparingState): void {
    const finished = p.prepared === p.total;
    if (p.elapsedMs < QUIET_MS && !this.prepShown) return;
    if (this.tty) {
      if (finished) {
        this.clear();
        this.write(`${preparingLine(p)}\n`);
        this.prepShown = false;
        return;
      }
      this.write(`\r\x1b[2K${preparingLine(p)}`);
      this.drawn = true;
      this.prepShown = true;
      return;
    }
    const now = this.now();
    if (!this.prepShown || finished || now - this.lastPrepPlain >= this.plainEveryMs) {
      this.lastPrepPlain = now;
      this.write(`${preparingLine(p)}\n`);
      this.prepShown = !finished;
    }
  }

  /** A named step: nothing if it ends within QUIET_MS; else "LABEL…" when it passes it and its time at the end. */
  step(label: string, phase: 'start' | 'end'): void {
    if (phase === 'start') {
      const st = { started: this.now(), timer: null as NodeJS.Timeout | null, shown: false };
      st.timer = setTimeout(() => {
        st.shown = true;
        st.timer = null;
        this.clear();
        this.write(this.tty ? `\r\x1b[2K${label}…` : `${label}…\n`);
        this.drawn = this.tty;
      }, QUIET_MS);
      st.timer.unref();
      this.steps.set(label, st);
      return;
    }
    const st = this.steps.get(label);
    if (!st) return;
    this.steps.delete(label);
    if (st.timer) clearTimeout(st.timer);
    if (st.shown) {
      this.clear();
      this.write(`${label}: ${((this.now() - st.started) / 1000).toFixed(1)} s\n`);
    }
  }

  /** Clears a redrawn line so a log line can be written in its place. */
  clear(): void {
    if (this.tty && this.drawn) this.write('\r\x1b[2K');
    this.drawn = false;
  }

  /** Stops pending step timers (a run that ended while a step was open). */
  close(): void {
    for (const st of this.steps.values()) if (st.timer) clearTimeout(st.timer);
    this.steps.clear();
    this.clear();
  }

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
