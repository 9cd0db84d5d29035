/**
 * Default engine settings, chosen in the parent before the child starts.
 *
 * Threads: llama.cpp's CPU backend spins its worker threads while a graph runs. With as many compute threads as
 * cores, they compete with Node's own main thread (IPC, the runner's event loop) and the spinning waits stretch
 * every decode step: on a 2-core machine node-llama-cpp decoded 4× slower with 2 threads than with 1
 * (../shared/reference/dependencies.md, measured 2.3 ms/token vs 3.6–8.7 ms/token). So leave one core to Node:
 * 1 thread on ≤ 2 cores, else cores − 1, and never more than the physical ("math") cores node-llama-cpp
 * reports, since hyper-threads add little to matrix-vector products.
 */
import { availableParallelism } from 'node:os';

export function defaultThreads(logicalCores: number = availableParallelism(), mathCores: number | null = null): number {
  if (logicalCores <= 2) return 1;
  const leaveOne = logicalCores - 1;
  return Math.max(1, mathCores !== null && mathCores > 0 ? Math.min(leaveOne, mathCores) : leaveOne);
}

/** Context per sequence when none is given: enough for typical benchmark prompts without huge KV caches. */
export const DEFAULT_CONTEXT_SIZE = 4096;
