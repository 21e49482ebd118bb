import { useEffect, useRef, useState } from "react";

/**
 * A call's result for a page: loading, its value or its error, and `reload` to call it again.
 * `key` names what the call depends on (its arguments): a new key calls it again, and an answer
 * to an older key is dropped, so a slow first page cannot overwrite the second.
 */
export function useLoaded<T>(load: () => Promise<T>, key: string) {
  const loadRef = useRef(load);
  loadRef.current = load;
  const [state, setState] = useState<{ value?: T; error?: string; loading: boolean }>({ loading: true });
  const [generation, setGeneration] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: key and generation are what asks for a new call
  useEffect(() => {
    let current = true;
    setState((previous) => ({ ...previous, loading: true }));
    loadRef.current().then(
      (value) => current && setState({ value, loading: false }),
      (error: unknown) =>
        current && setState({ error: error instanceof Error ? error.message : String(error), loading: false }),
    );
    return () => {
      current = false;
    };
  }, [key, generation]);
  return { ...state, reload: () => setGeneration((value) => value + 1) };
}
