import { useEffect, useState } from "react";
import type { TollgateApi } from "./tollgate-api.ts";

export interface ApiRead<T> {
  data: T | null;
  error: Error | null;
  loading: boolean;
}

/**
 * Reads `read(api, signal)` and reads it again whenever a key changes (the live balance's
 * version among them, so a read follows every change without polling). An older read that
 * answers late is dropped: its signal is aborted when the next one starts.
 */
export function useApiRead<T>(
  api: TollgateApi,
  read: (api: TollgateApi, signal: AbortSignal) => Promise<T>,
  keys: readonly unknown[],
): ApiRead<T> {
  const [state, setState] = useState<ApiRead<T>>({ data: null, error: null, loading: true });
  // biome-ignore lint/correctness/useExhaustiveDependencies: `keys` are the dependencies, by design.
  useEffect(() => {
    const controller = new AbortController();
    setState((now) => ({ ...now, loading: true }));
    read(api, controller.signal).then(
      (data) => !controller.signal.aborted && setState({ data, error: null, loading: false }),
      (error: Error) => !controller.signal.aborted && setState((now) => ({ ...now, error, loading: false })),
    );
    return () => controller.abort();
  }, [api, ...keys]);
  return state;
}
