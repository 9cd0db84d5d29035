import { type CommandDef } from '../command.js';
import { UsageError } from '../../core/errors.js';

export const historyCommand: CommandDef = {
  name: 'history',
  summary: 'not implemented yet',
  options: [],
  async run() {
    throw new UsageError('llmbench history is not implemented yet');
  },
};
