import { SluiceError } from '../core/errors.ts';
import { csvEncoder } from './csv/csv-transform.ts';
import type { EncoderSpec, Format } from './encoder.ts';

const encoders: Record<Format, EncoderSpec> = {
  csv: csvEncoder,
};

export const formats = Object.keys(encoders) as Format[];

export function encoderFor(format: string): EncoderSpec {
  const spec = encoders[format as Format];
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
