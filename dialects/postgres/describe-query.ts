import { createRequire } from 'node:module';
import type { Connection, FieldDef, Submittable } from 'pg';

// node-postgres' own parameter conversion (Dates, Buffers, arrays, objects as JSON), the one pg-cursor
// applies too, so a described statement binds exactly what the cursor path binds later.
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils.js') as {
  prepareValue: (value: unknown) => Buffer | string | null;
};

export function prepareValues(values: unknown[]): (Buffer | string | null)[] {
  return values.map((v) => prepareValue(v));
}

/**
 * Parse, Bind and Describe of the unnamed portal, then Sync — never Execute, so the server plans the query
 * and reports its result columns (type OIDs, typmods, source table/column) without running it or reading a
 * row. Resolves to the fields, or null for a statement that returns no rows.
 */
export class DescribeQuery implements Submittable {
  readonly fields: Promise<FieldDef[] | null>;
  private readonly text: string;
  private readonly values: (Buffer | string | null)[];
  private described: FieldDef[] | null = null;
  private settle!: { resolve: (f: FieldDef[] | null) => void; reject: (err: unknown) => void };

  constructor(text: string, values: unknown[]) {
    this.text = text;
    this.values = prepareValues(values);
    this.fields = new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
    });
  }

  submit(connection: Connection): void {
    connection.parse({ name: '', text: this.text, types: [] }, true);
    connection.bind({ values: this.values }, true);
    connection.describe({ type: 'P', name: '' }, true);
    connection.sync();
  }

  handleRowDescription(msg: { fields: FieldDef[] }): void {
    this.described = msg.fields;
  }

  // The client calls this and forgets the query; the Sync already sent brings it back to ReadyForQuery.
  handleError(err: unknown): void {
    this.settle.reject(err);
  }

  handleReadyForQuery(): void {
    this.settle.resolve(this.described);
  }

  // Not expected without Execute, but the client calls whatever arrives on the active query.
  handleDataRow(): void {}
  handleCommandComplete(): void {}
  handlePortalSuspended(): void {}
  handleEmptyQuery(): void {}
  handleCopyInResponse(): void {}
  handleCopyData(): void {}
}
