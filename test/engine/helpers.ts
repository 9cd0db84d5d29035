import { type Delta, type StreamSink, type UsageReport } from '../../src/targets/target.js';
import { type EngineMeasurements } from '../../src/core/record.js';

export const STORIES = '../shared/fixtures/models/stories260K.gguf';

/** A StreamSink that keeps everything it is told. */
export class CaptureSink implements StreamSink {
  deltas: Delta[] = [];
  usageReports: UsageReport[] = [];
  engineReports: EngineMeasurements[] = [];
  finished: { reason: string | null; at?: number } | null = null;
  notes: string[] = [];
  headers(): void {}
  delta(d: Delta): void {
    this.deltas.push(d);
  }
  usage(u: UsageReport): void {
    this.usageReports.push(u);
  }
  serverTimings(): void {}
  engine(m: EngineMeasurements): void {
    this.engineReports.push(m);
  }
  finish(reason: string | null, at?: number): void {
    this.finished = { reason, at };
  }
  note(text: string): void {
    this.notes.push(text);
  }
  retry(): void {}
  get text(): string {
    return this.deltas.map((d) => d.text ?? '').join('');
  }
}

export function request(over: Partial<import('../../src/targets/target.js').GenerationRequest> = {}) {
  return { id: 'r', max_tokens: 16, force_length: false, temperature: 0, seed: null, extra_body: {}, ...over };
}
