import type { Transform } from 'node:stream';
import type { Column } from '../schemas/column.ts';

export type Format = 'csv';

export interface EncoderOptions {
  /** csv: write a header line (default true) */
  header?: boolean;
  /** csv: one character (default `,`) */
  delimiter?: string;
}

/**
 * Row batches in (object mode), bytes out, as a Transform so pipeline() carries backpressure and errors.
 * Document formats will take rendered reports instead; they get their own contract when they come.
 */
export interface EncoderSpec {
  format: Format;
  contentType: string;
  extension: string;
  create(columns: Column[], options: EncoderOptions): Transform;
}
