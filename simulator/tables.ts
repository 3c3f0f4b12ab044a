// Deterministic sample rows: the same index always gives the same row, so tests and
// demos can check what they receive. Columns follow the AIMS360 Source exported.
import { SpecError } from './util';

export type Cell = string | number;

export interface Column {
  name: string;
  /** Shown with two decimals in text formats. */
  money?: boolean;
  value(i: number): Cell;
}

/** The first column is always text: generated documents pad it to hit an exact size. */
export interface Table {
  columns: readonly Column[];
  /** A status column that repeats `cycle`, and views showing only some statuses. */
  statuses?: {
    cycle: readonly string[];
    /** By the start of a view's lowercase name ("open orders-line details" too): the statuses it keeps. */
    views: Record<string, readonly string[]>;
  };
}

const pick = <T>(list: readonly T[], i: number): T => list[i % list.length];
const cents = (n: number): number => Math.round(n) / 100;
const BASE_DAY = Date.UTC(2026, 0, 5);
const day = (offset: number): string => new Date(BASE_DAY + offset * 86400000).toISOString().slice(0, 10);

const COLORS = ['BLACK', 'WHITE', 'NAVY', 'RED', 'HEATHER GREY', 'OLIVE'];
const SIZES = ['XS', 'S', 'M', 'L', 'XL', '2XL'];
const CUSTOMERS = ['Bloom Boutique', 'Northwind Apparel', 'Harbor Outfitters', 'Urban Thread Co', 'Summit Sports', 'Coastal Kids'];
const VENDORS = ['Pacific Knits', 'Lotus Textiles', 'Granite Mills', 'Sunrise Garments'];
const WAREHOUSES = ['MAIN', 'WEST', 'EAST'];

// Shared by several tables, so an order number in a shipment matches one in the orders.
const orderNo = (i: number): string => `SO${100000 + i}`;
const customer = (i: number): string => pick(CUSTOMERS, i * 5);
const quantity = (i: number): number => ((i * 53) % 480) + 12;
const amount = (i: number): number => cents(quantity(i) * (((i * 97) % 2500) + 650));

const text = (name: string, value: (i: number) => string): Column => ({ name, value });
const num = (name: string, value: (i: number) => number): Column => ({ name, value });
const money = (name: string, value: (i: number) => number): Column => ({ name, value, money: true });

/** The simulator's historic rows, kept for documents without a Source and older exports. */
export const SAMPLE: Table = {
  columns: [
    text('style', (i) => `ST${10000 + i}`),
    text('color', (i) => pick(COLORS, i)),
    text('size', (i) => pick(SIZES, i * 7)),
    num('qty', (i) => ((i * 37) % 250) + 1),
    money('price', (i) => cents(((i * 131) % 9000) + 500)),
  ],
};

const ORDER_STATUSES = ['Open', 'Hold', 'Open', 'Completed', 'Cancelled'];

/** The order a row belongs to, the same in orders, invoices and shipments. */
const ORDER_REF = [text('orderNo', orderNo), text('customer', customer)];

const TABLES: Record<string, Table> = {
  orders: {
    columns: [
      ...ORDER_REF,
      text('customerPO', (i) => `PO-${7000 + ((i * 13) % 900)}`),
      text('orderDate', (i) => day(i)),
      text('startDate', (i) => day(i + 14)),
      text('cancelDate', (i) => day(i + 45)),
      text('status', (i) => pick(ORDER_STATUSES, i)),
      text('warehouse', (i) => pick(WAREHOUSES, i)),
      num('totalQty', quantity),
      money('totalAmount', amount),
    ],
    statuses: {
      cycle: ORDER_STATUSES,
      views: {
        'open orders': ['Open'],
        'hold orders': ['Hold'],
        'open/hold': ['Open', 'Hold'],
        'completed order': ['Completed'],
        'cancelled order': ['Cancelled'],
        'canceled order': ['Cancelled'],
      },
    },
  },
  invoices: {
    columns: [
      text('invoiceNo', (i) => `INV${300000 + i}`),
      ...ORDER_REF,
      text('invoiceDate', (i) => day(i + 20)),
      text('dueDate', (i) => day(i + 50)),
      text('terms', (i) => pick(['Net 30', 'Net 60', 'COD', '2% 10 Net 30'], i)),
      num('totalQty', quantity),
      money('invoiceAmount', amount),
      money('balance', (i) => (i % 3 === 0 ? 0 : amount(i))),
    ],
  },
  styles: {
    columns: [
      text('style', (i) => `ST${10000 + i}`),
      text('description', (i) => pick(['Crew Neck Tee', 'Pullover Hoodie', 'Denim Jacket', 'Jogger Pant', 'Polo Shirt', 'Zip Fleece'], i)),
      text('color', (i) => pick(COLORS, i)),
      text('sizeScale', (i) => pick(['XS-2XL', 'S-XL', '2-14'], i)),
      text('season', (i) => pick(['SPRING 2026', 'SUMMER 2026', 'FALL 2026', 'HOLIDAY 2026'], i)),
      text('division', (i) => pick(['MENS', 'WOMENS', 'KIDS'], i)),
      money('wholesalePrice', (i) => cents(((i * 131) % 4000) + 500)),
      money('retailPrice', (i) => cents((((i * 131) % 4000) + 500) * 2)),
      num('onHand', (i) => (i * 71) % 900),
    ],
  },
  'purchase orders': {
    columns: [
      text('poNo', (i) => `PO${200000 + i}`),
      text('vendor', (i) => pick(VENDORS, i)),
      text('poDate', (i) => day(i)),
      text('expectedDate', (i) => day(i + 60)),
      text('status', (i) => pick(['Open', 'Open', 'Closed', 'Cancelled'], i)),
      text('warehouse', (i) => pick(WAREHOUSES, i)),
      num('totalQty', (i) => quantity(i) * 4),
      money('totalCost', (i) => cents(amount(i) * 150)),
    ],
  },
  shipments: {
    columns: [
      text('shipmentNo', (i) => `SH${400000 + i}`),
      ...ORDER_REF,
      text('shipDate', (i) => day(i + 30)),
      text('shipVia', (i) => pick(['UPS Ground', 'FedEx 2Day', 'USPS Priority', 'LTL Freight'], i)),
      text('trackingNo', (i) => `1Z${String(((i + 1) * 7919) % 1e10).padStart(10, '0')}`),
      num('cartons', (i) => (quantity(i) % 12) + 1),
      num('totalQty', quantity),
      text('status', (i) => pick(['Open', 'Finalized', 'Finalized', 'Void'], i)),
    ],
  },
};

function generic(source: string): Table {
  const initials = source.replace(/[^A-Za-z0-9 ]/g, '').split(/\s+/).map((w) => w.charAt(0).toUpperCase()).join('') || 'X';
  return {
    columns: [
      text('code', (i) => `${initials}${1000 + i}`),
      text('name', (i) => `${source} ${i + 1}`),
      text('status', (i) => pick(['Active', 'Active', 'Inactive'], i)),
      text('createdDate', (i) => day(-i)),
      text('modifiedDate', (i) => day(-i + 7)),
      text('modifiedBy', (i) => pick(['operator@example.com', 'admin@example.com'], i)),
    ],
  };
}

/**
 * Columns for an export of this Source: plausible ones for common Sources, generic ones for
 * the rest. A view named after statuses (Orders / Open Orders) gets only rows in those
 * statuses, each the same row as in the whole table, so an order keeps its number.
 */
export function tableFor(source: string, view = ''): Table {
  const table = TABLES[source.toLowerCase()] ?? generic(source);
  const name = view.toLowerCase();
  const kept = Object.entries(table.statuses?.views ?? {}).find(([start]) => name.startsWith(start))?.[1];
  return table.statuses && kept ? onlyStatuses(table, table.statuses.cycle, kept) : table;
}

/** The rows whose status is one of `kept`: row i of the result is the i-th such row of the table. */
function onlyStatuses(table: Table, cycle: readonly string[], kept: readonly string[]): Table {
  const places = cycle.flatMap((status, i) => (kept.includes(status) ? [i] : []));
  const row = (i: number): number => Math.floor(i / places.length) * cycle.length + places[i % places.length];
  return { columns: table.columns.map((c) => ({ ...c, value: (i: number) => c.value(row(i)) })) };
}

export function rowValues(table: Table, i: number): Cell[] {
  return table.columns.map((c) => c.value(i));
}

export function rowObject(table: Table, i: number): Record<string, Cell> {
  return Object.fromEntries(table.columns.map((c) => [c.name, c.value(i)]));
}

/** The row as text cells, money with two decimals. */
export function rowText(table: Table, i: number): string[] {
  return table.columns.map((c) => {
    const v = c.value(i);
    return c.money && typeof v === 'number' ? v.toFixed(2) : String(v);
  });
}

export function header(table: Table): string[] {
  return table.columns.map((c) => c.name);
}

export type RowObject = Record<string, Cell>;

/** How a view's rows change before the next export; rows are named by their first column (the id). */
export interface RowEdits {
  /** New rows: a count (the table's next generated rows) or whole rows (missing columns empty). */
  add?: number | RowObject[];
  /** Id → the columns that take a new value. */
  change?: Record<string, RowObject>;
  /** Ids of rows that go. */
  remove?: string[];
}

/** A table that serves these rows (copied): an edited view. */
function tableOfRows(base: Table, rows: readonly RowObject[]): Table {
  const held = rows.map((row) => ({ ...row }));
  return { columns: base.columns.map((c) => ({ ...c, value: (i: number) => held[i][c.name] })) };
}

const viewKey = (source: string, view: string): string => `${source.toLowerCase()}\n${view.toLowerCase()}`;

/**
 * Views whose rows a test or a user changed between exports (add, change, remove), so that a
 * flow that hands on only what changed has something to find. An edited view starts from the
 * rows an export of it gives at that moment; the others keep their generated rows.
 */
export class EditedViews {
  private readonly views = new Map<string, { base: Table; rows: RowObject[]; next: number }>();

  /** The view's rows now: its edited rows, or the first `count` generated ones. */
  rows(source: string, view: string, count: number): RowObject[] {
    const edited = this.views.get(viewKey(source, view));
    if (edited) return edited.rows.map((row) => ({ ...row }));
    const table = tableFor(source, view);
    return Array.from({ length: count }, (_, i) => rowObject(table, i));
  }

  /** The table and row count an export of the view serves, when the view was edited. */
  exported(source: string, view: string): { table: Table; rows: number } | undefined {
    const edited = this.views.get(viewKey(source, view));
    return edited && { table: tableOfRows(edited.base, edited.rows), rows: edited.rows.length };
  }

  /** Applies the edits (removals, then changes, then additions), all or none; answers the rows. */
  edit(source: string, view: string, edits: RowEdits, count: number): RowObject[] {
    if (edits === null || typeof edits !== 'object' || Array.isArray(edits)) throw new SpecError('Row edits must be an object with add, change and/or remove.');
    const key = viewKey(source, view);
    const base = this.views.get(key)?.base ?? tableFor(source, view);
    const names = base.columns.map((c) => c.name);
    const id = names[0];
    let rows = this.rows(source, view, count);
    let next = this.views.get(key)?.next ?? count;
    const cell = (value: unknown, where: string): Cell => {
      if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) return value;
      throw new SpecError(`${where} must be a string or a number.`);
    };
    const index = (rowId: string): number => {
      const at = rows.findIndex((row) => String(row[id]) === rowId);
      if (at < 0) throw new SpecError(`No row with ${id} '${rowId}' in this view.`);
      return at;
    };
    if (edits.remove !== undefined) {
      if (!Array.isArray(edits.remove)) throw new SpecError('remove must be an array of ids.');
      const gone = new Set(edits.remove.map((rowId) => index(String(rowId))));
      rows = rows.filter((_, i) => !gone.has(i));
    }
    for (const [rowId, values] of Object.entries(edits.change ?? {})) {
      const row = rows[index(rowId)];
      for (const [name, value] of Object.entries(values ?? {})) {
        if (!names.includes(name) || name === id) throw new SpecError(`'${name}' is not a column that can change (columns: ${names.slice(1).join(', ')}).`);
        row[name] = cell(value, `${rowId}.${name}`);
      }
    }
    const added = edits.add ?? [];
    if (typeof added === 'number') {
      if (!Number.isInteger(added) || added < 0) throw new SpecError('add must be a whole number of rows or an array of rows.');
      for (let i = 0; i < added; i++) rows.push(rowObject(base, next++));
    } else if (Array.isArray(added)) {
      for (const given of added) {
        if (given === null || typeof given !== 'object') throw new SpecError('Each added row must be an object.');
        const row = Object.fromEntries(names.map((name) => [name, cell(given[name] ?? '', `The added row's ${name}`)]));
        if (row[id] === '' || rows.some((r) => String(r[id]) === String(row[id]))) throw new SpecError(`An added row needs a ${id} of its own.`);
        rows.push(row);
      }
    } else {
      throw new SpecError('add must be a whole number of rows or an array of rows.');
    }
    this.views.set(key, { base, rows, next });
    return this.rows(source, view, count);
  }

  /** The view's generated rows again. */
  reset(source?: string, view?: string): void {
    if (source === undefined || view === undefined) this.views.clear();
    else this.views.delete(viewKey(source, view));
  }
}
