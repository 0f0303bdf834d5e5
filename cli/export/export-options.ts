import { SluiceError } from '../../core/errors.ts';
import { redactUrl } from '../../core/redact.ts';
import type { Query } from '../../dialects/source.ts';
import type { LineEnding } from '../../encoders/encoder.ts';
import { EXPORT_FORMATS } from '../../planning/check-options.ts';
import type { Compression } from '../../pipeline/compression.ts';
import { extensionOf, formatFromPath } from './format-from-path.ts';
import { parseCount, parseOrderBy, parseWhere } from './parse-where.ts';

/** `sluice export`'s flags as commander hands them over: strings, absent when not given. */
export interface ExportFlags {
  source: string;
  table?: string;
  columns?: string;
  sql?: string;
  where?: string[];
  orderBy?: string;
  limit?: string;
  format?: string;
  compression?: string;
  out: string;
  header: boolean;
  delimiter?: string;
  lineEnding?: string;
  clobber: boolean;
  json?: boolean;
  quiet?: boolean;
}

/** A checked export: nothing runs until every flag has been found consistent. */
export interface ExportSpec {
  source: string;
  query: Query;
  format: string;
  compression: Compression;
  out: string;
  header: boolean;
  delimiter: string;
  lineEnding: LineEnding;
  noClobber: boolean;
  output: 'text' | 'json' | 'quiet';
}

const TEXT_FORMATS = new Set(['csv', 'ndjson', 'json', 'sql']);
const COMPRESSIONS: readonly Compression[] = ['none', 'gzip', 'zstd'];
const SOURCE_SCHEMES = ['postgres', 'postgresql', 'mysql', 'mariadb', 'sqlite', 'duckdb'];

const usage = (message: string) => new SluiceError('USAGE', message);

/**
 * Every rule about the flags together, before a connection is opened: a run either does what the command
 * line says or refuses it (exit 2). Format and compression follow `--out`'s name unless given, and a name that
 * contradicts them is refused rather than written with the wrong content.
 */
export function parseExportFlags(flags: ExportFlags): ExportSpec {
  checkSourceUrl(flags.source);
  if (Boolean(flags.table) === Boolean(flags.sql)) throw usage('give exactly one of --table or --sql');
  if (flags.sql) {
    const tableOnly = (
      [
        ['--columns', flags.columns],
        ['--where', flags.where?.length ? flags.where : undefined],
        ['--order-by', flags.orderBy],
        ['--limit', flags.limit],
      ] as const
    ).filter(([, v]) => v !== undefined);
    if (tableOnly.length > 0) {
      throw usage(
        `${tableOnly.map(([f]) => f).join(', ')} apply to --table; put them in the --sql query instead`,
      );
    }
  }
  const query: Query = flags.table
    ? {
        kind: 'table',
        table: flags.table,
        ...(flags.columns !== undefined ? { columns: parseColumns(flags.columns) } : {}),
        ...(flags.where?.length ? { filters: flags.where.map(parseWhere) } : {}),
        ...(flags.orderBy !== undefined ? { orderBy: parseOrderBy(flags.orderBy) } : {}),
        ...(flags.limit !== undefined ? { limit: parseCount('--limit', flags.limit, { min: 0 }) } : {}),
      }
    : { kind: 'sql', sql: flags.sql! };

  const { format, compression } = resolveFormat(flags);
  if (format !== 'csv') {
    const csvOnly = [
      flags.header === false ? '--no-header' : undefined,
      flags.delimiter !== undefined ? '--delimiter' : undefined,
      flags.lineEnding !== undefined ? '--line-ending' : undefined,
    ].filter(Boolean);
    if (csvOnly.length > 0) throw usage(`${csvOnly.join(', ')} apply to csv, not ${format}`);
  }
  const delimiter = flags.delimiter ?? ',';
  if (delimiter.length !== 1 || /["\r\n]/.test(delimiter)) {
    throw usage(`--delimiter must be one character other than a quote or a line break`);
  }
  const lineEnding = flags.lineEnding ?? 'crlf';
  if (lineEnding !== 'crlf' && lineEnding !== 'lf')
    throw usage(`--line-ending is crlf or lf, not ${lineEnding}`);

  if (flags.json && flags.quiet) throw usage('--json and --quiet contradict each other: pick one');
  const toStdout = flags.out === '-';
  if (toStdout && !flags.clobber) throw usage('--no-clobber has no meaning with --out - (standard output)');
  return {
    source: flags.source,
    query,
    format,
    compression,
    out: flags.out,
    header: flags.header,
    delimiter,
    lineEnding,
    noClobber: !flags.clobber,
    output: flags.json ? 'json' : flags.quiet ? 'quiet' : 'text',
  };
}

function resolveFormat(flags: ExportFlags): { format: string; compression: Compression } {
  if (flags.format !== undefined && !EXPORT_FORMATS.includes(flags.format)) {
    throw usage(`--format ${flags.format}: one of ${EXPORT_FORMATS.join(', ')}`);
  }
  if (flags.compression !== undefined && !(COMPRESSIONS as readonly string[]).includes(flags.compression)) {
    throw usage(`--compression ${flags.compression}: one of ${COMPRESSIONS.join(', ')}`);
  }
  const named = formatFromPath(flags.out);
  const format = flags.format ?? named.format ?? 'csv';
  if (named.format !== undefined && named.format !== format) {
    throw usage(
      `--format ${format} but --out ${flags.out} names a .${extensionOf(named.format)} file (${named.format}); ` +
        `name it .${extensionOf(format)} or drop --format`,
    );
  }
  const compression = (flags.compression as Compression | undefined) ?? named.compression ?? 'none';
  if ((named.compression ?? 'none') !== compression && (named.format !== undefined || named.compression)) {
    const suffix = compression === 'gzip' ? '.gz' : compression === 'zstd' ? '.zst' : 'no compression suffix';
    throw usage(`--compression ${compression} but --out ${flags.out} does not end in ${suffix}`);
  }
  if (compression !== 'none' && !TEXT_FORMATS.has(format)) {
    throw usage(
      `--compression applies to text formats (csv, ndjson, json, sql); ${format} compresses internally`,
    );
  }
  return { format, compression };
}

function parseColumns(text: string): string[] {
  const columns = text.split(',').map((c) => c.trim());
  if (columns.some((c) => c === '')) throw usage(`--columns ${JSON.stringify(text)}: an empty column name`);
  return columns;
}

/** A source URL that cannot work is a usage error, reported without its password. */
function checkSourceUrl(url: string): void {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (!scheme || !SOURCE_SCHEMES.includes(scheme)) {
    throw usage(
      `--source ${redactUrl(url)}: expected postgres://…, mysql://…, mariadb://…, sqlite:<path> or duckdb:<path>`,
    );
  }
  if (scheme === 'sqlite' || scheme === 'duckdb') {
    if (url.slice(scheme.length + 1).replace(/^\/\//, '') === '') throw usage(`--source ${url}: no path`);
    return;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usage(`--source ${redactUrl(url)}: not a valid URL (percent-encode @ : / in the password)`);
  }
  if (!parsed.hostname) throw usage(`--source ${redactUrl(url)}: no host`);
}
