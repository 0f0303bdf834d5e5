import { SluiceError } from '../core/errors.ts';
import { arrowEncoder, arrowFileEncoder } from './arrow/arrow-transform.ts';
import { csvEncoder } from './csv/csv-transform.ts';
import { FORMATS, type EncoderSpec, type Format } from './encoder.ts';
import { jsonEncoder } from './json/json-transform.ts';
import { ndjsonEncoder } from './ndjson/ndjson-transform.ts';
import { parquetEncoder } from './parquet/parquet-transform.ts';
import { xlsxEncoder } from './xlsx/xlsx-transform.ts';

const encoders: Record<Format, EncoderSpec> = {
  csv: csvEncoder,
  ndjson: ndjsonEncoder,
  json: jsonEncoder,
  parquet: parquetEncoder,
  arrow: arrowEncoder,
  'arrow-file': arrowFileEncoder,
  xlsx: xlsxEncoder,
};

export const formats: readonly Format[] = FORMATS;

export function encoderFor(format: string): EncoderSpec {
  // hasOwn: `toString` or `__proto__` must not find Object.prototype's members.
  const spec = Object.hasOwn(encoders, format) ? encoders[format as Format] : undefined;
  if (!spec) {
    throw new SluiceError(
      'FORMAT_UNSUPPORTED',
      `unknown format ${JSON.stringify(format)}; one of: ${formats.join(', ')}`,
      {
        details: { format },
      },
    );
  }
  return spec;
}
