import { makeData, RecordBatch, Struct, type Data, type DataType, type Schema } from 'apache-arrow';
import type { Column } from '../../schemas/column.ts';
import { SluiceError } from '../../core/errors.ts';
import { arrowSchemaFor, isDecimal128 } from './arrow-schema.ts';

/**
 * Rows in, Arrow record batches out: values go straight into one typed array per column (plus a validity
 * bitmap, and offsets + bytes for text and binary), and flush() wraps those arrays with makeData, no copy.
 * This is the fast path BASELINES.md measured (Arrow's per-value Builders and tableFromJSON are far slower,
 * and the latter dictionary-encodes). Fixed-width arrays are sized for `capacity` rows up front; the shell
 * flushes at `capacity`, so only the text/binary byte buffers ever grow; all are reused batch after batch.
 *
 * A value whose JS type does not match its column's logical type (core/rows.ts), or that the Arrow
 * type cannot hold (an int64 past 64 bits, a decimal with more digits than its precision), fails the export
 * with VALUE_UNREPRESENTABLE rather than being wrapped or rounded. After a throw the builder is unusable.
 */
export interface RecordBatchBuilder {
  readonly schema: Schema;
  /** Rows appended since the last flush. */
  readonly length: number;
  /** Bytes the pending rows occupy in the column buffers (what a flush would hand over). */
  readonly byteLength: number;
  append(row: unknown[]): void;
  /**
   * The pending rows as one record batch (possibly empty), and the builder starts afresh. The batch shares
   * the builder's arrays: use it (serialize it) before the next append(), which overwrites them. Reusing
   * them spares the GC a batch-sized allocation per column per batch.
   */
  flush(): RecordBatch;
}

export function createRecordBatchBuilder(
  columns: Column[],
  { capacity }: { capacity: number },
): RecordBatchBuilder {
  const schema = arrowSchemaFor(columns);
  const builders = columns.map((column, i) => columnBuilderFor(column, schema.fields[i]!.type, capacity));
  const structType = new Struct(schema.fields);
  const n = builders.length;
  const fixedBytesPerRow = builders.reduce((sum, b) => sum + b.bytesPerRow, 0);
  const variable = builders.filter((b) => b.variableBytes);
  let length = 0;
  return {
    schema,
    get length() {
      return length;
    },
    get byteLength() {
      // Cheap enough to ask after every row: a multiply plus one read per text/binary column.
      let bytes = length * fixedBytesPerRow;
      for (const b of variable) bytes += b.variableBytes!();
      return bytes;
    },
    append(row) {
      if (length === capacity) {
        throw new SluiceError(
          'ENCODER_FAILED',
          `record batch builder is full (${capacity} rows); flush first`,
        );
      }
      if (length === 0) for (const b of builders) b.reset();
      for (let i = 0; i < n; i++) builders[i]!.append(length, row[i]);
      length++;
    },
    flush() {
      const children = builders.map((b) => b.finish(length));
      const data = makeData({ type: structType, length, nullCount: 0, children });
      length = 0;
      return new RecordBatch(schema, data);
    },
  };
}

interface ColumnBuilder {
  /** Starts a new batch: the previous one has been used. */
  reset(): void;
  /** Sets row `index` (rows arrive in order, each exactly once). */
  append(index: number, value: unknown): void;
  /** Bytes each row adds whatever its value (values, offsets; bitmaps not counted). */
  readonly bytesPerRow: number;
  /** Text and binary: the value bytes held so far in this batch. */
  variableBytes?: () => number;
  /** Data for rows [0, length), sharing the builder's arrays until the next append. */
  finish(length: number): Data;
}

/** Validity bitmap shared by every column kind: bit set = value present, as Arrow defines it. */
class Validity {
  private readonly bits: Uint8Array;
  nullCount = 0;
  constructor(capacity: number) {
    this.bits = new Uint8Array((capacity + 7) >> 3);
  }
  setValid(index: number): void {
    this.bits[index >> 3]! |= 1 << (index & 7);
  }
  /** The bitmap for a finished batch, or undefined when nothing was null (readers then skip it). */
  take(length: number): { nullBitmap?: Uint8Array; nullCount: number } {
    const nullCount = this.nullCount;
    this.nullCount = 0;
    this.dirtyBytes = (length + 7) >> 3;
    return nullCount === 0
      ? { nullCount }
      : { nullBitmap: this.bits.subarray(0, this.dirtyBytes), nullCount };
  }
  reset(): void {
    this.bits.fill(0, 0, this.dirtyBytes);
    this.dirtyBytes = 0;
  }
  private dirtyBytes = 0;
}

type Convert<T> = (value: unknown) => T;

// makeData's overloads are keyed on the concrete DataType class; ours is chosen at run time per column.
const makeColumnData = makeData as (props: {
  type: DataType;
  length: number;
  nullCount: number;
  nullBitmap?: Uint8Array;
  data: ArrayBufferView;
  valueOffsets?: Int32Array;
}) => Data;

function columnBuilderFor(column: Column, type: DataType, capacity: number): ColumnBuilder {
  const bad = (value: unknown, why?: string): never => unrepresentable(column, value, why);
  switch (column.type) {
    case 'boolean':
      return boolBuilder(type, capacity, (v) => (typeof v === 'boolean' ? v : bad(v)));
    case 'int32':
    case 'date':
      return fixedBuilder(type, capacity, Int32Array, (v) =>
        typeof v === 'number' && (v | 0) === v ? v : bad(v, 'not a 32-bit integer'),
      );
    case 'float64':
      return fixedBuilder(type, capacity, Float64Array, (v) => (typeof v === 'number' ? v : bad(v)));
    case 'int64':
    case 'timestamp':
    case 'timestamptz':
      return fixedBuilder(type, capacity, BigInt64Array, (v) => toInt64(v, bad));
    case 'decimal':
      return isDecimal128(column)
        ? decimalBuilder(type, capacity, column.precision!, column.scale ?? 0, bad)
        : bytesBuilder(type, capacity, (v) => (typeof v === 'string' ? v : bad(v)));
    case 'binary':
      return bytesBuilder(type, capacity, (v) => (v instanceof Uint8Array ? v : bad(v)));
    case 'json':
      // Drivers that hand over parsed JSON get it stringified, as the JSON encoders do.
      return bytesBuilder(type, capacity, (v) => (typeof v === 'string' ? v : JSON.stringify(v)));
    default:
      return bytesBuilder(type, capacity, (v) => (typeof v === 'string' ? v : bad(v)));
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function toInt64(v: unknown, bad: (v: unknown, why?: string) => never): bigint {
  if (typeof v === 'bigint') return v >= INT64_MIN && v <= INT64_MAX ? v : bad(v, 'outside 64 bits');
  return typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : bad(v);
}

type FixedArray = Int32Array | Float64Array | BigInt64Array;

function fixedBuilder<A extends FixedArray>(
  type: DataType,
  capacity: number,
  ArrayType: { new (length: number): A; BYTES_PER_ELEMENT: number },
  convert: Convert<A[number]>,
): ColumnBuilder {
  const values = new ArrayType(capacity);
  const zero = (ArrayType as unknown) === BigInt64Array ? 0n : 0;
  const validity = new Validity(capacity);
  return {
    reset: () => validity.reset(),
    append(index, value) {
      if (value === null || value === undefined) {
        // Zeroed so a NULL's slot never carries the previous batch's value into the file.
        values[index] = zero as A[number];
        validity.nullCount++;
        return;
      }
      values[index] = convert(value);
      validity.setValid(index);
    },
    bytesPerRow: ArrayType.BYTES_PER_ELEMENT,
    finish(length) {
      return makeColumnData({ type, length, data: values.subarray(0, length), ...validity.take(length) });
    },
  };
}

function boolBuilder(type: DataType, capacity: number, convert: Convert<boolean>): ColumnBuilder {
  const bits = new Uint8Array((capacity + 7) >> 3);
  const validity = new Validity(capacity);
  let dirtyBytes = 0;
  return {
    reset() {
      validity.reset();
      bits.fill(0, 0, dirtyBytes);
    },
    append(index, value) {
      if (value === null || value === undefined) {
        validity.nullCount++;
        return;
      }
      if (convert(value)) bits[index >> 3]! |= 1 << (index & 7);
      validity.setValid(index);
    },
    bytesPerRow: 0,
    finish(length) {
      dirtyBytes = (length + 7) >> 3;
      return makeColumnData({ type, length, data: bits.subarray(0, dirtyBytes), ...validity.take(length) });
    },
  };
}

/** Decimal128: 16 bytes per value, little-endian two's complement of the unscaled integer. */
function decimalBuilder(
  type: DataType,
  capacity: number,
  precision: number,
  scale: number,
  bad: (v: unknown, why?: string) => never,
): ColumnBuilder {
  const words = new BigInt64Array(2 * capacity);
  const validity = new Validity(capacity);
  return {
    reset: () => validity.reset(),
    append(index, value) {
      if (value === null || value === undefined) {
        words[2 * index] = 0n;
        words[2 * index + 1] = 0n;
        validity.nullCount++;
        return;
      }
      if (typeof value !== 'string') bad(value);
      let unscaled: bigint;
      try {
        unscaled = decimalToUnscaled(value as string, precision, scale);
      } catch (err) {
        return bad(value, (err as Error).message);
      }
      words[2 * index] = BigInt.asIntN(64, unscaled); // low 64 bits
      words[2 * index + 1] = unscaled >> 64n; // high 64 bits, sign-extended
      validity.setValid(index);
    },
    bytesPerRow: 16,
    finish(length) {
      const data = new Uint32Array(words.buffer, 0, 4 * length);
      return makeColumnData({ type, length, data, ...validity.take(length) });
    },
  };
}

const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,9}))?$/;

/**
 * `'-12.50'` with scale 2 → -1250n. Digits past the scale must be zeros (the value is never rounded), and
 * the result must fit the precision; NaN and ±Infinity (PostgreSQL numeric has them) have no Decimal128
 * form. Throws a plain Error with the reason; the caller adds the column.
 */
export function decimalToUnscaled(text: string, precision: number, scale: number): bigint {
  const m = DECIMAL_TEXT.exec(text.trim());
  if (!m || (m[2] === '' && !m[3])) throw new Error('not a decimal number');
  const [, sign, whole = '', fraction = '', exponent = '0'] = m;
  let digits = (whole + fraction).replace(/^0+/, '');
  // Where the decimal point sits, counted from the right end of `digits`, after applying the exponent.
  let shift = scale - fraction.length + Number(exponent);
  if (digits === '') return 0n;
  if (shift < 0) {
    // More fraction digits than the scale: fine only if the extra ones are zeros ('1.50' at scale 1).
    const drop = -shift;
    if (/[^0]/.test(digits.slice(-drop))) throw new Error(`more than ${scale} fraction digits`);
    digits = drop >= digits.length ? '' : digits.slice(0, digits.length - drop);
    shift = 0;
    if (digits === '') return 0n;
  }
  if (digits.length + shift > precision) throw new Error(`more than ${precision} digits`);
  const unscaled = BigInt(digits) * 10n ** BigInt(shift);
  return sign === '-' ? -unscaled : unscaled;
}

/** Utf8 and Binary: int32 offsets (rows + 1) and one byte buffer, grown by doubling and then kept. */
function bytesBuilder(
  type: DataType,
  capacity: number,
  convert: Convert<string | Uint8Array>,
): ColumnBuilder {
  const offsets = new Int32Array(capacity + 1);
  let bytes = Buffer.allocUnsafeSlow(Math.max(64 * 1024, capacity * 16));
  let used = 0;
  const validity = new Validity(capacity);
  const ensure = (more: number): void => {
    if (used + more <= bytes.length) return;
    if (used + more > 0x7fffffff) {
      throw new SluiceError('ENCODER_FAILED', `a record batch column passed 2 GiB; flush earlier`);
    }
    const grown = Buffer.allocUnsafeSlow(Math.min(0x7fffffff, Math.max(bytes.length * 2, used + more)));
    bytes.copy(grown, 0, 0, used);
    bytes = grown;
  };
  return {
    reset() {
      validity.reset();
      used = 0;
    },
    append(index, value) {
      if (value !== null && value !== undefined) {
        const v = convert(value);
        if (typeof v === 'string') {
          ensure(v.length * 3); // UTF-8 needs at most 3 bytes per UTF-16 code unit
          used += bytes.write(v, used);
        } else {
          ensure(v.byteLength);
          bytes.set(v, used);
          used += v.byteLength;
        }
        validity.setValid(index);
      } else {
        validity.nullCount++;
      }
      offsets[index + 1] = used;
    },
    bytesPerRow: 4,
    variableBytes: () => used,
    finish(length) {
      // Only bytes [0, used) were written in this batch; nothing past them (allocUnsafe) leaves here.
      const data = new Uint8Array(bytes.buffer, bytes.byteOffset, used);
      return makeColumnData({
        type,
        length,
        valueOffsets: offsets.subarray(0, length + 1),
        data,
        ...validity.take(length),
      });
    },
  };
}

function unrepresentable(column: Column, value: unknown, why?: string): never {
  const got = value instanceof Uint8Array ? 'Uint8Array' : typeof value;
  const text = typeof value === 'bigint' ? `${value}n` : value instanceof Uint8Array ? '…' : String(value);
  throw new SluiceError(
    'VALUE_UNREPRESENTABLE',
    `column ${JSON.stringify(column.name)} (${column.type}${
      column.type === 'decimal' && column.precision ? `(${column.precision},${column.scale ?? 0})` : ''
    }) cannot hold the ${got} ${text.length > 48 ? `${text.slice(0, 48)}…` : text}` + (why ? `: ${why}` : ''),
    { details: { column: column.name, type: column.type, got } },
  );
}
