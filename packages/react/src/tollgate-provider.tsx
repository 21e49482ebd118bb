import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from "react";
import type { BalanceJson } from "./balance-json.ts";
import { type BalanceStatus, subscribeBalance } from "./balance-subscription.ts";
import type { BackoffOptions } from "./reconnect-delay.ts";
import { createTollgateApi, type TollgateApi } from "./tollgate-api.ts";

/** The live balance every component under one provider shares: one stream, however many badges. */
export interface LiveBalances {
  status: BalanceStatus;
  balances: BalanceJson[] | null;
  error: Error | null;
  /** Counts the balance events received: hooks that read more than the balance re-read on it. */
  version: number;
}

interface TollgateContextValue {
  api: TollgateApi;
  account: string;
  live: LiveBalances;
}

const TollgateContext = createContext<TollgateContextValue | null>(null);

export interface TollgateProviderProps {
  /** Where Tollgate is served, e.g. `https://billing.example.com` (the same origin, or one that allows it). */
  baseUrl: string;
  /** A customer token (`tg_ct_…`) the app's backend minted for this end user's account. */
  token: string;
  /** The account the token is for: `acct_…` or `type:externalId` (`user:alice`). */
  account: string;
  /** Another client than the built-in one (the generated SDK, or a test's). */
  api?: TollgateApi;
  backoff?: BackoffOptions;
  children?: ReactNode;
}

/**
 * Gives the components below it a Tollgate connection and the account's live balance, over
 * the events stream (no polling).
 *
 * @example
 * <TollgateProvider baseUrl="https://billing.example.com" token={token} account="user:alice">
 *   <BalanceBadge />
 * </TollgateProvider>
 */
export function TollgateProvider(props: TollgateProviderProps) {
  const { baseUrl, token, account, backoff } = props;
  const api = useMemo(() => props.api ?? createTollgateApi({ baseUrl, token }), [props.api, baseUrl, token]);
  const [live, setLive] = useState<LiveBalances>(INITIAL);
  useEffect(() => {
    setLive(INITIAL);
    return subscribeBalance({
      api,
      account,
      ...(backoff ? { backoff } : {}),
      onBalances: (balances) => setLive((now) => ({ ...now, balances, version: now.version + 1 })),
      onStatus: (status, error) => setLive((now) => ({ ...now, status, error })),
    });
  }, [api, account, backoff]);
  const value = useMemo(() => ({ api, account, live }), [api, account, live]);
  return <TollgateContext.Provider value={value}>{props.children}</TollgateContext.Provider>;
}

const INITIAL: LiveBalances = Object.freeze({ status: "connecting", balances: null, error: null, version: 0 });

/** The provider's connection; a component used outside one is a programmer error. */
export function useTollgate(): TollgateContextValue {
  const value = useContext(TollgateContext);
  if (!value) throw new Error("Tollgate components must be inside a <TollgateProvider>.");
  return value;
}
