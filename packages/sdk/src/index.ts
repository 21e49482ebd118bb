export type { AnswerOf, BodyOf, CallOptions, QueryOf, Schema } from "./api-types.ts";
export * from "./client.ts";
export { type MeterOptions, meter, type OpenAiLike } from "./meter.ts";
export type { AccountRef, ApiResources } from "./resources.ts";
export { DEFAULT_BACKOFF, type RetryBackoff } from "./retry-policy.ts";
export type { FetchLike } from "./retrying-fetch.ts";
export { createRouteHandlers, type RouteHandlerOptions } from "./route-handlers.ts";
export type { DeductResult, TokenHelpers } from "./token-helpers.ts";
export { TollgateError } from "./tollgate-error.ts";
