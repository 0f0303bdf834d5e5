import { FORMATS } from '../encoders/encoder.ts';
import type { EncoderOptions } from '../encoders/encoder.ts';
import type { ExportOptions, ExportRequested } from '../schemas/export-requested.ts';
import type { FieldError } from '../schemas/parse-contract.ts';
import type { SplitRequest } from './export-plan.ts';

/** Formats a worker writes today: the row formats and `sql`. Rendered ones (pdf, xlsx, png, pptx) plug in here. */
export const EXPORT_FORMATS: readonly string[] = [...FORMATS, 'sql'];
const TEXT_FORMATS = new Set(['csv', 'ndjson', 'json', 'sql']);

export interface CheckedOptions {
  format: string;
  compression: 'none' | 'gzip' | 'zstd';
  encoderOptions: EncoderOptions;
  split?: SplitRequest;
  partSizeMiB?: number;
}

/**
 * The format and options of a request, checked together: every combination that cannot work is named here
 * (field and rule), so it is a 400 at the API and the same coded failure in the worker — never a job that
 * fails halfway. Pushes onto `errors`; the caller throws them all at once.
 */
export function checkOptions(
  request: { format: string; query: { kind: ExportRequested['query']['kind'] }; options?: ExportOptions },
  errors: FieldError[],
): CheckedOptions {
  const { format, query } = request;
  const options = request.options ?? {};
  if (!EXPORT_FORMATS.includes(format)) {
    errors.push({
      field: 'format',
      rule: `${JSON.stringify(format)} is not one of ${EXPORT_FORMATS.join(', ')} (the rendered formats pdf, xlsx, png and pptx are not available yet)`,
    });
  }
  const compression = options.compression ?? 'none';
  if (compression !== 'none' && !TEXT_FORMATS.has(format)) {
    errors.push({
      field: 'options.compression',
      rule: `applies to text formats (csv, ndjson, json, sql); ${format} compresses internally`,
    });
  }
  if (options.delimiter !== undefined) {
    if (format !== 'csv') errors.push({ field: 'options.delimiter', rule: 'applies to the csv format only' });
    else if (options.delimiter.length !== 1 || /["\r\n]/.test(options.delimiter)) {
      errors.push({
        field: 'options.delimiter',
        rule: 'one character other than a double quote or a line break',
      });
    }
  }
  if (options.header !== undefined && format !== 'csv') {
    errors.push({ field: 'options.header', rule: 'applies to the csv format only' });
  }
  if (options.rowGroupRows !== undefined && format !== 'parquet') {
    errors.push({ field: 'options.rowGroupRows', rule: 'applies to the parquet format only' });
  }
  const split: SplitRequest = {
    ...(options.maxRowsPerFile !== undefined ? { maxRowsPerFile: options.maxRowsPerFile } : {}),
    ...(options.maxFileSizeMiB !== undefined ? { maxFileSizeMiB: options.maxFileSizeMiB } : {}),
    ...(options.parallel !== undefined ? { parallel: options.parallel } : {}),
  };
  const splits = split.maxRowsPerFile !== undefined || split.maxFileSizeMiB !== undefined;
  if (format === 'sql') {
    for (const field of ['maxRowsPerFile', 'maxFileSizeMiB'] as const) {
      if (options[field] !== undefined) {
        errors.push({
          field: `options.${field}`,
          rule: 'the sql format is one statement; it cannot be split',
        });
      }
    }
    if ((options.parallel ?? 1) > 1) {
      errors.push({
        field: 'options.parallel',
        rule: 'the sql format reads no rows; nothing to run in parallel',
      });
    }
  }
  if (
    options.sqlDialect !== undefined &&
    (format !== 'sql' || (query.kind !== 'metric' && query.kind !== 'report'))
  ) {
    errors.push({
      field: 'options.sqlDialect',
      rule: 'only with format sql and query.kind metric or report',
    });
  }
  if (query.kind === 'csv-generator') {
    if (format !== 'csv') errors.push({ field: 'format', rule: 'must be csv for query.kind csv-generator' });
    if (compression !== 'none') {
      errors.push({ field: 'options.compression', rule: 'must be none for query.kind csv-generator' });
    }
    if (splits || (options.parallel ?? 1) > 1) {
      errors.push({ field: 'options', rule: 'the CSV generator writes one file; it cannot be split' });
    }
  }
  return {
    format,
    compression,
    encoderOptions: {
      ...(options.header !== undefined ? { header: options.header } : {}),
      ...(options.delimiter !== undefined ? { delimiter: options.delimiter } : {}),
      ...(options.rowGroupRows !== undefined ? { rowGroupRows: options.rowGroupRows } : {}),
    },
    ...(Object.keys(split).length > 0 ? { split } : {}),
    ...(options.partSizeMiB !== undefined ? { partSizeMiB: options.partSizeMiB } : {}),
  };
}
