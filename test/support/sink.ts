import { type Delta, type StreamSink, type UsageReport } from '../../src/targets/target.js';
import { type EngineMeasurements, type ServerTimings } from '../../src/core/record.js';

/** A StreamSink that keeps every call, for adapter tests that don't go through the runner. */
export class RecordingSink implements StreamSink {
  status: number | null = null;
  deltas: Delta[] = [];
  usages: UsageReport[] = [];
  timings: ServerTimings[] = [];
  finishes: Array<string | null> = [];
  notes: string[] = [];
  retries = 0;
  headers(status: number): void {
    this.status = status;
  }
  delta(d: Delta): void {
    this.deltas.push(d);
  }
  usage(u: UsageReport): void {
    this.usages.push(u);
  }
  serverTimings(t: ServerTimings): void {
    this.timings.push(t);
  }
  engine(_m: EngineMeasurements): void {}
  finish(reason: string | null): void {
    this.finishes.push(reason);
  }
  note(text: string): void {
    this.notes.push(text);
  }
  retry(): void {
    this.retries++;
    this.deltas = [];
    this.usages = [];
    this.timings = [];
    this.finishes = [];
  }
  get text(): string {
    return this.deltas.map((d) => d.text ?? '').join('');
  }
  get chunkTokens(): number {
    return this.deltas.reduce((a, d) => a + (d.tokens ?? 0), 0);
  }
  get lastUsage(): UsageReport | undefined {
    return this.usages[this.usages.length - 1];
  }
  get lastTimings(): ServerTimings | undefined {
    return this.timings[this.timings.length - 1];
  }
}
