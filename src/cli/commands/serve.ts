import { type CommandDef } from '../command.js';
import { UsageError } from '../../core/errors.js';

export const serveCommand: CommandDef = {
  name: 'serve',
  summary: 'not implemented yet',
  options: [],
  async run() {
    throw new UsageError('llmbench serve is not implemented yet');
  },
};
