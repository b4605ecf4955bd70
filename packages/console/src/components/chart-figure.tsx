import { useId, type ReactNode } from 'react';

/**
 * A chart a screen reader can read: a `<figure>` named by its `<figcaption>`, the drawing itself
 * an image whose accessible name is the one-sentence summary, and the same numbers again as text
 * (`children`: a sentence or a compact table), so nothing is only in the picture.
 */
export function ChartFigure({ title, summary, chart, children }: { title: string; summary: string; chart: ReactNode; children?: ReactNode }) {
  const caption = useId();
  return (
    <figure className="card chart-figure" aria-labelledby={caption}>
      <figcaption id={caption}>
        <h2>{title}</h2>
      </figcaption>
      <div className="chart" role="img" aria-label={summary}>
        {chart}
      </div>
      <p className="chart-summary">{summary}</p>
      {children}
    </figure>
  );
}

/** Reads every page of a listing, up to `maxPages`; `more` when there were more past the bound. */
export async function readAll<T>(page: (cursor: string | undefined) => Promise<{ items: T[]; next_cursor?: string }>, maxPages = 20): Promise<{ items: T[]; more: boolean }> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < maxPages; i += 1) {
    const answer = await page(cursor);
    items.push(...answer.items);
    cursor = answer.next_cursor;
    if (cursor === undefined) return { items, more: false };
  }
  return { items, more: true };
}
