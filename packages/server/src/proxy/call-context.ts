import { validateCallFields } from "@tollgate/metering";
import { ApiError } from "../http/api-error.ts";

/** The header naming the conversation a call belongs to (usage by conversation: a chat's cost). */
export const CONVERSATION_HEADER = "x-tollgate-conversation";
/** The header naming the feature a call serves: checked against the account's plan, kept on its usage. */
export const FEATURE_HEADER = "x-tollgate-feature";

/** What a call's headers say about it, for its usage event and its plan check. */
export interface CallContext {
  conversationId?: string;
  feature?: string;
}

/**
 * `X-Tollgate-Conversation` (1 to 200 characters) and `X-Tollgate-Feature` (a feature name:
 * lowercase letters, digits, `_ . -`, up to 64), checked as `/v1/usage-events` checks the same
 * fields; a bad one is 400 `invalid_request` naming the header, before anything is held.
 *
 * @example
 * callContextOf(new Headers({ "X-Tollgate-Feature": "chat" })) // { feature: "chat" }
 */
export function callContextOf(headers: Headers): CallContext {
  const conversationId = headers.get(CONVERSATION_HEADER) ?? undefined;
  const feature = headers.get(FEATURE_HEADER) ?? undefined;
  const fields: Array<[string, CallContext]> = [
    ["X-Tollgate-Conversation", conversationId === undefined ? {} : { conversationId }],
    ["X-Tollgate-Feature", feature === undefined ? {} : { feature }],
  ];
  for (const [header, value] of fields) {
    try {
      validateCallFields(value);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      throw new ApiError("invalid_request", `${header}: ${error.message}`, {
        fields: [{ field: header, message: error.message }],
      });
    }
  }
  return { ...fields[0]?.[1], ...fields[1]?.[1] };
}
