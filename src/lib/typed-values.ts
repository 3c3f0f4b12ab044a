/**
 * Typed values: CSV cells are text; a cell whose text a number or boolean writes back exactly
 * is handed on as that value. Anything that would not survive the round trip (00123, 12.50,
 * +5, 1e3, " 7", a code past 2^53, "") stays text, so no code or price changes.
 */

/** Plain decimal notation only: "1e-7" round-trips through Number but reads as a code. */
const DECIMAL = /^-?\d+(\.\d+)?$/;

/** The number or boolean that `text` is exactly, else `text` itself. */
export function typedValue(text: string): string | number | boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (!DECIMAL.test(text)) return text;
  const n = Number(text);
  // Above 2^53 a whole number can round-trip and still not be the id it was meant to be.
  if (String(n) !== text || (Number.isInteger(n) && !Number.isSafeInteger(n))) return text;
  return n;
}

/** Converts a row's text cells in place (a parser's fresh object) and returns it; other cells stay. */
export function typedRow<T extends Record<string, unknown>>(row: T): T {
  const cells = row as Record<string, unknown>;
  for (const key of Object.keys(cells)) {
    const cell = cells[key];
    if (typeof cell === 'string') cells[key] = typedValue(cell);
  }
  return row;
}

/** Each row of a parsed document typed, in place. */
export function typedRows<T extends Record<string, unknown>>(rows: T[]): T[] {
  for (const row of rows) typedRow(row);
  return rows;
}

/** Rows as a parser streams them, each typed as it passes. */
export async function* typedRowStream(rows: AsyncIterable<Record<string, unknown>>): AsyncIterable<Record<string, unknown>> {
  for await (const row of rows) yield typedRow(row);
}
