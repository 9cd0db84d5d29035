import { type CommandDef } from '../command.js';
import { UsageError } from '../../core/errors.js';

export const reportCommand: CommandDef = {
  name: 'report',
  summary: 'not implemented yet',
  options: [],
  async run() {
    throw new UsageError('llmbench report is not implemented yet');
  },
};
