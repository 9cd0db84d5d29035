/** Options of `llmbench dashboard`. */
import { OptionValueError, parseNumber, type OptionDef } from '../option.js';
import { DB_OPTION } from './report.js';

export const DASHBOARD_GROUP = 'Dashboard';

export const DASHBOARD_OPTIONS: readonly OptionDef[] = [
  DB_OPTION,
  { name: 'results', kind: 'list', repeatable: true, default: ['./results'], placeholder: 'DIR', description: 'a result folder to show (the runs inside it, and sweeps with their points); repeat for several', group: DASHBOARD_GROUP },
  { name: 'host', kind: 'string', default: '127.0.0.1', placeholder: 'ADDR', description: 'address to listen on; anything but loopback needs a token (--token, else one is generated and printed)', group: DASHBOARD_GROUP },
  {
    name: 'port',
    kind: 'int',
    default: 8090,
    placeholder: 'PORT',
    description: 'port to listen on; 0 picks a free one (printed at start)',
    group: DASHBOARD_GROUP,
    parse: (raw: string) => {
      const v = parseNumber(raw, true);
      if (v < 0 || v > 65535) throw new OptionValueError(`port ${raw} is out of range`, 'use 0–65535');
      return v;
    },
  },
  { name: 'token', kind: 'string', placeholder: 'T', secret: true, env: ['LLMBENCH_DASHBOARD_TOKEN'], description: 'require this token (the printed URL carries it once; it becomes a cookie); always required off loopback', group: DASHBOARD_GROUP },
  { name: 'open', kind: 'boolean', description: 'open the dashboard in the default browser (xdg-open, open or start)', group: DASHBOARD_GROUP },
];
