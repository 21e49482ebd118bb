import { useState } from "react";
import type { Page } from "../api/tollgate-api.ts";
import { useLoaded } from "../use-loaded.ts";

/**
 * A list read a page at a time by the API's cursor. The cursors of the pages before this one
 * are kept here, so "Previous" goes back without the API's help; a new `key` (the filters)
 * starts again from the first page.
 */
export function useCursorPages<T>(load: (after: string | null) => Promise<Page<T>>, key: string) {
  const [state, setState] = useState<{ key: string; cursors: (string | null)[] }>({ key, cursors: [null] });
  const cursors = state.key === key ? state.cursors : [null];
  const after = cursors[cursors.length - 1] ?? null;
  const page = useLoaded(() => load(after), JSON.stringify([key, after]));
  return {
    ...page,
    hasPrevious: cursors.length > 1,
    previous: () => setState({ key, cursors: cursors.slice(0, -1) }),
    next: () => {
      const cursor = page.value?.nextCursor;
      if (cursor) setState({ key, cursors: [...cursors, cursor] });
    },
  };
}

/** Previous and Next under a list read with `useCursorPages`. */
export function Pager(props: { pages: ReturnType<typeof useCursorPages<unknown>>; label: string }) {
  const { pages } = props;
  return (
    <nav className="pager" aria-label={props.label}>
      <button type="button" disabled={!pages.hasPrevious} onClick={pages.previous}>
        Previous
      </button>
      <button type="button" disabled={!pages.value?.nextCursor} onClick={pages.next}>
        Next
      </button>
      <button type="button" className="quiet" onClick={pages.reload}>
        Refresh
      </button>
    </nav>
  );
}
