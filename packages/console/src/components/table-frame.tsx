import type { ReactNode } from 'react';

/**
 * The frame of a wide table: it scrolls sideways on a narrow screen, so it is a labelled region a
 * keyboard can focus and scroll (WCAG 2.1.1; axe-core's scrollable-region-focusable).
 */
export function TableFrame({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="table-wrap" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}
