/**
 * A failed request, thrown by a target's send and by the HTTP transport; becomes the record's `error`. In core so the
 * transport (src/net) and the targets share it without depending on each other.
 */
import { type ErrorKind } from './record.js';

export class RequestFailure extends Error {
  constructor(readonly kind: ErrorKind, message: string, readonly httpStatus: number | null = null) {
    super(message);
    this.name = 'RequestFailure';
  }
}
