import { useEffect, useState } from "react";
import { api, type Balance } from "../api/tollgate-api.ts";

/**
 * The account's balances, live: the events stream sends them when it opens and after every
 * change, so nothing polls. The stream's figures carry no lots; each event also reads the
 * balances with their lots once (GET …/balances), and until that answers the lots shown are
 * the previous ones. EventSource reconnects by itself when the stream ends (an hour, a
 * restart); `live` says whether it is open now.
 */
export function useLiveBalances(account: string): { balances: Balance[] | null; live: boolean } {
  const [balances, setBalances] = useState<Balance[] | null>(null);
  const [live, setLive] = useState(false);
  useEffect(() => {
    let open = true;
    const source = api.balanceEvents(account);
    source.addEventListener("open", () => setLive(true));
    source.addEventListener("error", () => setLive(false));
    source.addEventListener("balance", (event) => {
      const streamed = JSON.parse((event as MessageEvent).data as string) as Omit<Balance, "lots">[];
      setBalances((previous) =>
        streamed.map((balance) => ({
          ...balance,
          lots: previous?.find((known) => known.unit === balance.unit)?.lots ?? [],
        })),
      );
      api.balances(account).then(
        ({ data }) => {
          if (!open) return;
          // Only the lots: the stream's figures may be newer than this read.
          setBalances((current) =>
            (current ?? []).map((balance) => ({
              ...balance,
              lots: data.find((read) => read.unit === balance.unit)?.lots ?? balance.lots,
            })),
          );
        },
        () => {},
      );
    });
    return () => {
      open = false;
      source.close();
    };
  }, [account]);
  return { balances, live };
}
