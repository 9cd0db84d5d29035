// Writes docs/cli.md from the command definitions (the one option table). `npm run docs`.
import { writeFileSync } from 'node:fs';
import { commands } from '../src/cli/commands/index.js';
import { renderCliMarkdown } from '../src/cli/help.js';

writeFileSync('docs/cli.md', renderCliMarkdown(commands));
console.log('wrote docs/cli.md');
