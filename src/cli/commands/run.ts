import { type CommandDef } from '../command.js';
import { UsageError } from '../../core/errors.js';

export const runCommand: CommandDef = {
  name: 'run',
  summary: 'not implemented yet',
  options: [],
  async run() {
    throw new UsageError('llmbench run is not implemented yet');
  },
};
