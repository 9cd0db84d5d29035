import { type CommandDef } from '../command.js';
import { UsageError } from '../../core/errors.js';

export const compareCommand: CommandDef = {
  name: 'compare',
  summary: 'not implemented yet',
  options: [],
  async run() {
    throw new UsageError('llmbench compare is not implemented yet');
  },
};
