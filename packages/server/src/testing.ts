/**
 * What tests and runnable examples put in front of the proxy instead of a provider: a local
 * OpenRouter-like upstream over real HTTP, with OpenRouter's `usage.cost`, that can stream,
 * stall, error and cut.
 *
 * @example
 * const openRouter = await FakeOpenRouter.start();
 * // TOLLGATE_UPSTREAM_OPENAI_BASE_URL=openRouter.baseUrl
 */
export * from "./proxy/fake-chat-plan.ts";
export * from "./proxy/fake-openrouter.ts";
