/** A plain-text table of the stand-alone scenarios: `left` columns padded right, the rest (numbers) left. */
export function renderColumns(header: string[], body: string[][], left: Set<number>): string {
  const all = [header, ...body];
  const width = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((cell, i) => (left.has(i) ? cell.padEnd(width[i] as number) : cell.padStart(width[i] as number)))
      .join(' | ')
      .trimEnd();
  return [line(header), width.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(line)].join('\n');
}
