import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { commands } from '../src/cli/commands/index.js';
import { renderCliMarkdown, renderCommandHelp } from '../src/cli/help.js';
import { runCli } from './support/cli.js';

test('docs/cli.md is generated from the option table and up to date (npm run docs)', () => {
  assert.equal(readFileSync('docs/cli.md', 'utf8'), renderCliMarkdown(commands));
});

test('no command defines a flag, alias or short flag twice', () => {
  for (const c of commands) {
    const names = c.options.flatMap((o) => [o.name, ...(o.aliases ?? [])]);
    assert.deepEqual(names.filter((n, i) => names.indexOf(n) !== i), [], c.name);
    const shorts = c.options.map((o) => o.short).filter(Boolean);
    assert.deepEqual(shorts.filter((n, i) => shorts.indexOf(n) !== i), [], c.name);
  }
});

test('--help of every command is its generated help; unknown commands exit 2', async () => {
  for (const c of commands) {
    const r = await runCli([c.name, '--help']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, renderCommandHelp(c));
  }
  const r = await runCli(['benchmark']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown command/);
  const v = await runCli(['--version']);
  assert.match(v.stdout, /^llmbench \d+\.\d+\.\d+\n$/);
});
