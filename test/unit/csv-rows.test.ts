import { describe, expect, it } from 'vitest';
import { CsvRowScanner } from '../../pipeline/csv-rows.ts';

const CSV = 'a,b\n"x\ny",1\n"q""\n",""\n,\n"",3\n';
const CRLF = 'a,b\r\n"x\ny",1\r\n"q""\n",""\r\n,\r\n"",3\r\n';

describe('CsvRowScanner', () => {
  // Every split point, so quotes and line breaks fall on chunk borders.
  for (let cut = 0; cut <= CSV.length; cut++) {
    it(`counts 5 rows and writes CRLF row ends, chunks cut at ${cut}`, () => {
      const scanner = new CsvRowScanner();
      const bytes = Buffer.from(CSV);
      const one = scanner.take(bytes.subarray(0, cut));
      const two = scanner.take(bytes.subarray(cut));
      expect(one.rows + two.rows).toBe(5);
      expect(Buffer.concat([one.head, two.head]).toString()).toBe(CRLF);
    });
  }

  it('stops after maxRows and hands back the rest, unscanned', () => {
    const scanner = new CsvRowScanner();
    const first = scanner.take(Buffer.from(CSV), 2);
    expect(first.rows).toBe(2);
    expect(first.head.toString()).toBe('a,b\r\n"x\ny",1\r\n');
    const second = scanner.take(first.rest!, 10);
    expect(second.rows).toBe(3);
    expect(second.rest).toBeUndefined();
  });

  it('a chunk without row ends passes through untouched', () => {
    const scanner = new CsvRowScanner();
    const chunk = Buffer.from('"open field, no end');
    const taken = scanner.take(chunk);
    expect(taken.rows).toBe(0);
    expect(taken.head).toBe(chunk);
    expect(scanner.take(Buffer.from('\nstill"\n')).rows).toBe(1);
  });
});
