import { SluiceError } from '../core/errors.ts';
import { FORMATS, type EncoderSpec, type Format } from './encoder.ts';

/**
 * The encoder of one format, imported when first asked for: Arrow and Parquet (WebAssembly) take longer to
 * load than a small CSV export takes to run, so a one-shot `sluice export` loads only the one it writes.
 */
const loaders: Record<Format, () => Promise<EncoderSpec>> = {
  csv: async () => (await import('./csv/csv-transform.ts')).csvEncoder,
  ndjson: async () => (await import('./ndjson/ndjson-transform.ts')).ndjsonEncoder,
  json: async () => (await import('./json/json-transform.ts')).jsonEncoder,
  parquet: async () => (await import('./parquet/parquet-transform.ts')).parquetEncoder,
  arrow: async () => (await import('./arrow/arrow-transform.ts')).arrowEncoder,
  'arrow-file': async () => (await import('./arrow/arrow-transform.ts')).arrowFileEncoder,
  xlsx: async () => (await import('./xlsx/xlsx-transform.ts')).xlsxEncoder,
};

export async function loadEncoder(format: string): Promise<EncoderSpec> {
  // hasOwn: `toString` or `__proto__` must not find Object.prototype's members.
  if (!Object.hasOwn(loaders, format)) {
    throw new SluiceError(
      'FORMAT_UNSUPPORTED',
      `unknown format ${JSON.stringify(format)}; one of: ${FORMATS.join(', ')}`,
      { details: { format } },
    );
  }
  return loaders[format as Format]();
}
