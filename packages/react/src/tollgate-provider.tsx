import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from "react";
import { subscribeBalance } from "./balance-subscription.ts";
import type { BackoffOptions } from "./reconnect-delay.ts";
import { INITIAL_LIVE_BALANCES, type LiveBalances, watchBalance } from "./shared-balance.ts";
import { createTollgateApi, type TollgateApi } from "./tollgate-api.ts";

export type { LiveBalances } from "./shared-balance.ts";

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
  /** How a dropped stream is retried (default 0.5 s doubling to 30 s). Pass a constant: a new object reopens the stream. */
  backoff?: BackoffOptions;
  children?: ReactNode;
}

/**
 * Gives the components below it a Tollgate connection and the account's live balance, over
 * the events stream (no polling): one stream for every component below it, and for every other
 * provider on the page with the same `baseUrl`, `token` and `account`.
 *
 * @example
 * <TollgateProvider baseUrl="https://billing.example.com" token={token} account="user:alice">
 *   <BalanceBadge />
 * </TollgateProvider>
 */
export function TollgateProvider(props: TollgateProviderProps) {
  const { baseUrl, token, account, backoff } = props;
  const api = useMemo(() => props.api ?? createTollgateApi({ baseUrl, token }), [props.api, baseUrl, token]);
  const [live, setLive] = useState<LiveBalances>(INITIAL_LIVE_BALANCES);
  // Shared by every provider on the page for the same server, token and account.
  const sharing = props.api ? null : `${baseUrl}\n${token}\n${account}`;
  useEffect(
    () =>
      watchBalance(
        sharing,
        (update) =>
          subscribeBalance({
            api,
            account,
            ...(backoff ? { backoff } : {}),
            onBalances: (balances) => update((now) => ({ ...now, balances, version: now.version + 1 })),
            onStatus: (status, error) => update((now) => ({ ...now, status, error })),
          }),
        setLive,
      ),
    [sharing, api, account, backoff],
  );
  const value = useMemo(() => ({ api, account, live }), [api, account, live]);
  return <TollgateContext.Provider value={value}>{props.children}</TollgateContext.Provider>;
}

/** The provider's connection; a component used outside one is a programmer error. */
export function useTollgate(): TollgateContextValue {
  const value = useContext(TollgateContext);
  if (!value) throw new Error("Tollgate components must be inside a <TollgateProvider>.");
  return value;
}
