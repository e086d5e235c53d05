import { table } from '../output/table.js';
import type { Io } from './io.js';

/** A table of live statuses on stderr, one row per key (e.g. one per port-forward). */
export interface StatusTable {
  /** Sets a row (its first cell is its key); a row equal to the one shown changes nothing. */
  set(cells: readonly string[]): void;
  /**
   * Writes lines that are not part of the table (notices, stdout lines on the same terminal) through `write`: on a
   * TTY the table is taken off the screen first and drawn again under them, so the in-place redraw stays aligned.
   */
  around(write: () => void): void;
  /** Stops updating; on a TTY the last table stays on screen. */
  close(): void;
}

/**
 * On a TTY, the table is redrawn in place on each change; otherwise (a pipe, a CI log) each change is one line,
 * the row's cells separated by two spaces. The table is cli-table3's with its styles off, so no escape sequence
 * reaches a file (the in-place redraw's cursor moves are written only to a TTY).
 */
export function createStatusTable(io: Pick<Io, 'err' | 'errIsTTY'>, head: readonly string[]): StatusTable {
  const rows = new Map<string, string[]>();
  let shownLines = 0;
  let closed = false;
  const redraw = () => {
    const text = table([...head], [...rows.values()]);
    const up = shownLines > 0 ? `\u001b[${shownLines}A\r\u001b[0J` : '';
    io.err.write(`${up}${text}\n`);
    shownLines = text.split('\n').length;
  };
  const erase = () => {
    if (shownLines > 0) io.err.write(`\u001b[${shownLines}A\r\u001b[0J`);
    shownLines = 0;
  };
  return {
    set(cells) {
      if (closed || cells.length === 0) return;
      const key = cells[0]!;
      const before = rows.get(key);
      if (before && before.length === cells.length && before.every((c, i) => c === cells[i])) return;
      rows.set(key, [...cells]);
      if (io.errIsTTY) redraw();
      else io.err.write(`${cells.join('  ')}\n`);
    },
    around(write) {
      if (closed || !io.errIsTTY || shownLines === 0) return write();
      erase();
      write();
      redraw();
    },
    close() {
      closed = true;
    },
  };
}
