import { type CommandDef } from '../command.js';
import { UsageError } from '../../core/errors.js';

export const estimateCommand: CommandDef = {
  name: 'estimate',
  summary: 'not implemented yet',
  options: [],
  async run() {
    throw new UsageError('llmbench estimate is not implemented yet');
  },
};
