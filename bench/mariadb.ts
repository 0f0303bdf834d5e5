/**
 * `npx tsx bench/mariadb.ts --rows 100000,1000000`: the MariaDB source of issue 18 beside its baseline in
 * the same run. For each row count (the BASELINES.md schema, generated once by bench/scale/tables.ts):
 *   - baseline: `mariadb --quick --batch -e "SELECT * FROM t" > /dev/null` (the client streaming rows
 *     unbuffered and writing them as tab-separated text: what the source is compared against);
 *   - `sluice export --source mysql://… --table t --format csv --out <local file>` (one-shot CLI; process
 *     start included), and the same for the other formats given with --formats.
 * Each under GNU time: wall seconds, peak RSS, CPU. Prints rows/s, MB/s, peak RSS and × baseline. Run it
 * under `flock /tmp/sluice-bench.lock`: the machine is shared.
 *
 * Flags: --rows N[,N…] (default 100000,1000000) · --formats csv[,ndjson,parquet,arrow] (default csv) ·
 * --repeat K (interleaved runs per case, median reported; default 1).
 */
import { randomUUID } from 'node:crypto';
import { rmSync, statSync } from 'node:fs';
import { ensureInfra } from '../infra/index.ts';
import { timed, type Measured } from './scale/baselines.ts';
import { ensureMysqlTable } from './scale/tables.ts';

const args = process.argv.slice(2);
const value = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? undefined : args[i + 1];
};
const rowCounts = (value('rows') ?? '100000,1000000').split(',').map(Number);
const formats = (value('formats') ?? 'csv').split(',');
const repeat = Number(value('repeat') ?? 1);
const log = (s: string) => process.stderr.write(`bench: ${s}\n`);

const infra = (await ensureInfra({ root: process.cwd(), log: (l) => log(`infra: ${l}`) })).settings;
const url = new URL(infra.MYSQL_URL);

/** The client's own connection flags, from the same URL the source gets. */
function clientArgs(): string[] {
  const out = [
    `--host=${url.hostname}`,
    `--port=${url.port || '3306'}`,
    `--user=${decodeURIComponent(url.username)}`,
  ];
  if (url.password) out.push(`--password=${decodeURIComponent(url.password)}`);
  return out;
}

async function baseline(table: string): Promise<Measured> {
  // exec: GNU time then measures the client itself, not a shell around it.
  const sql = `SELECT * FROM ${table}`;
  const shell = `exec mariadb ${clientArgs()
    .map((a) => `'${a}'`)
    .join(' ')} --quick --batch -e "${sql}" > /dev/null`;
  return timed('sh', ['-c', shell]);
}

async function sluice(table: string, format: string): Promise<Measured> {
  const file = `/tmp/sluice-bench-mariadb-${randomUUID()}.${format}`;
  try {
    const out = await timed(
      process.execPath,
      [
        'bin/sluice.mjs',
        'export',
        '--source',
        infra.MYSQL_URL,
        '--table',
        table,
        '--format',
        format,
        '--out',
        file,
      ],
      { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    );
    return { ...out, bytes: statSync(file).size };
  } finally {
    rmSync(file, { force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
function summary(runs: Measured[]): Measured {
  return {
    seconds: median(runs.map((r) => r.seconds)),
    peakRssMb: Math.max(...runs.map((r) => r.peakRssMb ?? 0)),
    cpuSeconds: median(runs.map((r) => r.cpuSeconds ?? 0)),
    ...(runs[0]!.bytes !== undefined ? { bytes: runs[0]!.bytes } : {}),
  };
}

const lines: string[] = [];
for (const rows of rowCounts) {
  const table = await ensureMysqlTable(infra.MYSQL_URL, rows, log);
  const base: Measured[] = [];
  const ours = new Map<string, Measured[]>(formats.map((f) => [f, []]));
  for (let i = 0; i < repeat; i++) {
    base.push(await baseline(table));
    for (const f of formats) ours.get(f)!.push(await sluice(table, f));
  }
  const b = summary(base);
  const row = (label: string, m: Measured) => {
    const mbps = m.bytes ? `${(m.bytes / 1e6 / m.seconds).toFixed(0)} MB/s` : '';
    return (
      `| ${rows.toLocaleString('en')} | ${label} | ${m.seconds.toFixed(2)} | ${Math.round(rows / m.seconds / 1000)}k | ` +
      `${mbps} | ${m.bytes ? (m.bytes / 1e6).toFixed(0) : ''} | ${m.peakRssMb?.toFixed(0)} | ${m.cpuSeconds?.toFixed(1)} | ` +
      `${(b.seconds / m.seconds).toFixed(2)} |`
    );
  };
  lines.push(row('mariadb --quick --batch → /dev/null', b));
  for (const f of formats) lines.push(row(`sluice export ${f} → file`, summary(ours.get(f)!)));
  log(lines.slice(-1 - formats.length).join('\n'));
}
console.log(
  [
    `${new Date().toISOString()} · repeat ${repeat} (median seconds, max RSS)`,
    '| rows | case | seconds | rows/s | MB/s | output MB | peak RSS MB | CPU s | × baseline |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...lines,
  ].join('\n'),
);
