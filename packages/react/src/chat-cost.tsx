import { formatAmount } from "./format-amount.ts";
import { accountPath, type TollgateApi, TollgateApiError } from "./tollgate-api.ts";
import { useTollgate } from "./tollgate-provider.tsx";
import { useApiRead } from "./use-api-read.ts";

/** `GET /v1/accounts/{account}/conversations/{conversation}`, the fields shown. */
export interface ConversationCost {
  conversationId: string;
  calls: number;
  data: Array<{ unit: string; charged: string; chargedUsd: string | null }>;
}

export interface ChatCostProps {
  /** The `conversationId` the conversation's usage events carried. */
  conversationId: string;
  /** Also show the cost in USD where the unit has one. */
  showUsd?: boolean;
  className?: string;
}

/**
 * What one conversation has cost so far, per unit, re-read after every balance change (a
 * message's charge moves the balance). A conversation with no usage yet costs nothing.
 *
 * @example
 * <ChatCost conversationId={chat.id} />
 */
export function ChatCost(props: ChatCostProps) {
  const { api, account, live } = useTollgate();
  const { data, error } = useApiRead(
    api,
    (client, signal) => conversationCost(client, account, props.conversationId, signal),
    [account, props.conversationId, live.version],
  );
  const text = error
    ? "cost unavailable"
    : !data
      ? "…"
      : data.data.length === 0
        ? "no cost yet"
        : data.data
            .map((row) => {
              const usd = props.showUsd && row.chargedUsd ? ` ($${row.chargedUsd})` : "";
              return `${formatAmount(row.charged)} ${row.unit}${usd}`;
            })
            .join(", ");
  return (
    <span
      className={["tollgate-chat-cost", props.className].filter(Boolean).join(" ")}
      role="status"
      aria-label={`This conversation's cost: ${text}`}
      data-calls={data?.calls ?? 0}
    >
      <span className="tollgate-chat-cost__label">Cost</span> <span className="tollgate-chat-cost__amount">{text}</span>
    </span>
  );
}

async function conversationCost(
  api: TollgateApi,
  account: string,
  conversationId: string,
  signal: AbortSignal,
): Promise<ConversationCost> {
  try {
    return await api.get<ConversationCost>(
      accountPath(account, `/conversations/${encodeURIComponent(conversationId)}`),
      { signal },
    );
  } catch (error) {
    if (error instanceof TollgateApiError && error.details.reason === "conversation_not_found") {
      return { conversationId, calls: 0, data: [] };
    }
    throw error;
  }
}
