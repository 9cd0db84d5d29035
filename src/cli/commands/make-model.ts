import { type CommandDef } from '../command.js';
import { UsageError } from '../../core/errors.js';

export const makeModelCommand: CommandDef = {
  name: 'make-model',
  summary: 'not implemented yet',
  options: [],
  async run() {
    throw new UsageError('llmbench make-model is not implemented yet');
  },
};
