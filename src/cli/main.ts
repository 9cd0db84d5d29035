/**
 * The llmbench entry point: pick the command, parse its options (collecting every problem), run it, and map
 * whatever happens onto the documented exit codes.
 */
import { commands, findCommand } from './commands/index.js';
import { type CliIO } from './command.js';
import { parseArgs } from './option.js';
import { renderCommandHelp, renderMainHelp } from './help.js';
import { asLlmbenchError, EXIT_CODES, UsageError } from '../core/errors.js';
import { VERSION } from '../core/version.js';

export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    if (name === 'help' && rest[0]) {
      const c = findCommand(rest[0]);
      if (c) {
        io.stdout(renderCommandHelp(c));
        return EXIT_CODES.ok;
      }
    }
    io.stdout(renderMainHelp(commands));
    return EXIT_CODES.ok;
  }
  if (name === '--version' || name === '-V') {
    io.stdout(`llmbench ${VERSION}\n`);
    return EXIT_CODES.ok;
  }
  const cmd = findCommand(name);
  if (!cmd) {
    const e = new UsageError([{ where: name, message: 'unknown command', hint: `one of: ${commands.map((c) => c.name).join(', ')}` }]);
    io.stderr(`llmbench: ${e.message}\n`);
    return EXIT_CODES.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(renderCommandHelp(cmd));
    return EXIT_CODES.ok;
  }
  try {
    const { args, problems } = parseArgs(rest, cmd.options, io.env);
    const pos = cmd.positionals ?? [];
    const required = pos.filter((p) => p.required);
    if (args.positionals.length < required.length) {
      for (const p of required.slice(args.positionals.length)) problems.push({ where: `<${p.name}>`, message: 'missing', hint: `llmbench ${cmd.name} --help` });
    }
    const variadic = pos.some((p) => p.variadic);
    if (!variadic && args.positionals.length > pos.length) {
      problems.push({ where: args.positionals.slice(pos.length).join(' '), message: 'unexpected argument', hint: `llmbench ${cmd.name} takes ${pos.length ? pos.map((p) => `<${p.name}>`).join(' ') : 'no arguments'}` });
    }
    if (problems.length) throw new UsageError(problems);
    return await cmd.run(args, io);
  } catch (err) {
    const e = asLlmbenchError(err);
    io.stderr(`llmbench ${cmd.name}: error [${e.code}]: ${e.message}\n${e.hint && !(e instanceof UsageError) ? `  fix: ${e.hint}\n` : ''}`);
    if (e.exitCode === EXIT_CODES.internal && e.stack) io.stderr(`${e.stack}\n`);
    return e.exitCode;
  }
}

/** Process wiring, kept apart from main() so tests can call main() with a fake IO. */
export async function runProcess(): Promise<void> {
  const ac = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      process.stderr.write(`\nllmbench: ${sig} received: stopping, waiting briefly for in-flight requests, saving results (press Ctrl-C again to quit at once)\n`);
      ac.abort(sig);
    } else process.exit(EXIT_CODES.interrupted);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const io: CliIO = {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    isTTY: Boolean(process.stderr.isTTY),
    env: process.env,
    cwd: process.cwd(),
    signal: ac.signal,
  };
  const code = await main(process.argv.slice(2), io);
  // Let stdout drain before exiting (large --json output into a pipe).
  process.exitCode = code;
  if (process.stdout.writableNeedDrain) await new Promise((r) => process.stdout.once('drain', r));
  process.exit(code);
}
