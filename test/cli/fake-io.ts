/** A CliIO that captures output, for calling main() in tests. */
import { type CliIO } from '../../src/cli/command.js';
import { main } from '../../src/cli/main.js';

export async function runCli(argv: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    isTTY: false,
    env: opts.env ?? { LLMBENCH_DATA_DIR: '/nonexistent/llmbench-test-data' },
    cwd: opts.cwd ?? process.cwd(),
    signal: new AbortController().signal,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}
