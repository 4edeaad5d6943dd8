// Number formatting, percentiles, and a plain-text table for make bench and make stress.

/** 12345.6 → "12,346"; small values keep one decimal. */
export function fmtRate(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return 'n/a';
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1);
}

export function fmtRatio(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '';
  return `${n.toFixed(2)}x`;
}

export function fmtMs(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '';
  return n >= 100 ? Math.round(n).toString() : n.toFixed(1);
}

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentile(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export interface Column<R> {
  header: string;
  value: (row: R) => string;
  align?: 'left' | 'right';
}

/** A fixed-width text table with a header rule. */
export function textTable<R>(rows: R[], columns: Column<R>[]): string {
  const cells = rows.map((r) => columns.map((c) => c.value(r)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i].length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (columns[i].align === 'right' ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** A GitHub-flavoured Markdown table. */
export function markdownTable<R>(rows: R[], columns: Column<R>[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const head = `| ${columns.map((c) => esc(c.header)).join(' | ')} |`;
  const rule = `|${columns.map((c) => (c.align === 'right' ? '---:' : ':---')).join('|')}|`;
  return [head, rule, ...rows.map((r) => `| ${columns.map((c) => esc(c.value(r))).join(' | ')} |`)].join('\n');
}

/** Progress output: a redrawn bar on a terminal, a plain line every `everyMs` otherwise (CI). */
export class Progress {
  private last = 0;
  private drawn = false;
  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly everyMs = stream.isTTY ? 200 : 2000,
  ) {}

  get tty(): boolean {
    return !!this.stream.isTTY;
  }

  update(fraction: number, text: string, force = false): void {
    const now = Date.now();
    if (!force && now - this.last < this.everyMs) return;
    this.last = now;
    const pct = Math.max(0, Math.min(1, fraction));
    if (this.tty) {
      const width = 30;
      const filled = Math.round(pct * width);
      const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(pct * 100).toFixed(0).padStart(3)}% ${text}`;
      const columns = this.stream.columns || 120;
      this.stream.write(`\r${bar.slice(0, columns - 1).padEnd(columns - 1)}`);
      this.drawn = true;
    } else {
      this.stream.write(`progress ${(pct * 100).toFixed(0)}% ${text}\n`);
    }
  }

  done(): void {
    if (this.tty && this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}
