import { type CommandDef } from '../command.js';
import { runCommand } from './run.js';
import { serveCommand } from './serve.js';
import { makeModelCommand } from './make-model.js';
import { reportCommand } from './report.js';
import { compareCommand } from './compare.js';
import { historyCommand } from './history.js';
import { estimateCommand } from './estimate.js';
import { sweepCommand } from './sweep.js';
import { dashboardCommand } from './dashboard.js';
import { mergeCommand } from './merge.js';
import { k8sCommand } from './k8s.js';

/** Every command, in the order `--help` lists them. */
export const commands: readonly CommandDef[] = [runCommand, serveCommand, makeModelCommand, reportCommand, compareCommand, historyCommand, estimateCommand, sweepCommand, dashboardCommand, mergeCommand, k8sCommand];

export function findCommand(name: string): CommandDef | undefined {
  return commands.find((c) => c.name === name);
}
