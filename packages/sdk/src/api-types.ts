import type { components, paths } from "./generated/openapi.ts";

/** A schema of the API by name: `Schema<"Balance">`. */
export type Schema<Name extends keyof components["schemas"]> = components["schemas"][Name];

type Json<T> = T extends { content: { "application/json": infer Body } } ? Body : never;

/** A route's JSON request body. */
export type BodyOf<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  requestBody?: infer Request;
}
  ? Json<NonNullable<Request>>
  : never;

/** A route's query parameters. */
export type QueryOf<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  parameters: { query?: infer Query };
}
  ? NonNullable<Query>
  : never;

/** A route's 200 answer. */
export type AnswerOf<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  responses: { 200: infer Ok };
}
  ? Json<Ok>
  : never;

/** Per call: an `Idempotency-Key` of the app's own (say, its order id), and an abort signal. */
export interface CallOptions {
  /** Default: a random UUID, the same on every retry of this call. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}
