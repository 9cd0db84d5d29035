/** The cache-reset call the specs share: an endpoint answers 200, or the reset did not happen. */
import { type HttpClient } from '../../net/http.js';

/** `method path` answered 200 (any failure, including the server being unreachable, is "not reset"). */
export async function answersOk(http: HttpClient, method: 'POST' | 'GET', path: string, body?: unknown): Promise<boolean> {
  try {
    return (await http.json(method, path, body, { timeoutMs: 10_000 })).status === 200;
  } catch {
    return false;
  }
}
