import { allows } from "@tollgate/core";
import { planModelId } from "@tollgate/metering";
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { ApiError } from "../http/api-error.ts";
import { accountPlan } from "./account-plan.ts";
import { providerModel } from "./openai-chat-protocol.ts";
import { openAIError, openAIErrorFormat } from "./openai-error.ts";
import { proxyAccount } from "./proxy-account.ts";
import { proxyErrorOf } from "./proxy-error.ts";
import type { ProxyFlowDependencies } from "./proxy-flow.ts";
import type { ProxyTarget } from "./proxy-target.ts";
import { type UpstreamModel, UpstreamModels, UpstreamModelsError } from "./upstream-models.ts";

/** One model in OpenAI's list format, what `client.models.list()` reads. */
export interface OpenAIModel {
  id: string;
  object: "model";
  created: number;
  owned_by: string;
}

/**
 * `GET /openai/v1/models` and `GET /openai/v1/models/{model}`: the upstream's models that the
 * caller may call through the proxy, in OpenAI's list format. A model is listed when the
 * caller's plan allows it (its model rule, as `model_not_in_plan` judges a call) and the price
 * book prices it (else a call is `unknown_model_price`): the listing is the upstream's, so every
 * id listed is one it serves, spelled as it takes it. Authenticated as every proxied call (a
 * customer token, or a secret key with `X-Tollgate-Account`); nothing is held or charged.
 *
 * @example
 * const models = await new OpenAI({ baseURL, apiKey: customerToken }).models.list();
 */
export function openAIModelsRoutes(options: { deps: ProxyFlowDependencies; target: ProxyTarget }): Hono<AppEnv> {
  const { deps, target } = options;
  const upstream = new UpstreamModels(target, { nowMs: deps.nowMs });
  const listed = async (req: Request): Promise<OpenAIModel[]> => {
    const { ledger } = deps.meter;
    const account = await proxyAccount(req.headers, { keys: deps.keys, clock: () => ledger.now() });
    const plan = await accountPlan(ledger, account);
    const models: OpenAIModel[] = [];
    for (const model of await upstream.list()) {
      const call = providerModel(model.id, target.defaultProvider);
      const id = modelIdOrNull(call);
      if (id === null || (plan && !allows(plan.models, id))) continue;
      if (!(await deps.meter.prices.priceOf({ ...call, at: ledger.now() }))) continue;
      models.push(openAIModel(model, call.provider));
    }
    return models;
  };
  const answered = async (handle: () => Promise<Response>): Promise<Response> => {
    try {
      return await handle();
    } catch (error) {
      if (error instanceof UpstreamModelsError) {
        deps.logger.warn("the upstream could not list its models", { error: error.message });
        return openAIError(502, "upstream_error", "The upstream could not list its models.");
      }
      if (!(error instanceof ApiError)) deps.logger.error("listing models failed", { error: String(error) });
      return openAIErrorFormat(proxyErrorOf(error));
    }
  };
  const app = new Hono<AppEnv>();
  app.get("/openai/v1/models", (c) =>
    answered(async () => Response.json({ object: "list", data: await listed(c.req.raw) })),
  );
  // `{.+}`: OpenRouter's ids have a slash (`openai/gpt-4o-mini`), sent as it is or as %2F.
  app.get("/openai/v1/models/:model{.+}", (c) =>
    answered(async () => {
      const id = c.req.param("model");
      const found = (await listed(c.req.raw)).find((model) => model.id === id);
      if (found) return Response.json(found);
      return openAIError(404, "model_not_found", `The model "${id}" is not one this account may call.`, "model");
    }),
  );
  return app;
}

/** The plan's name for a model; null for an id no call could be priced under (not a provider id). */
function modelIdOrNull(call: { provider: string; model: string }): string | null {
  try {
    return planModelId(call);
  } catch (error) {
    if (error instanceof RangeError) return null;
    throw error;
  }
}

function openAIModel(model: UpstreamModel, provider: string): OpenAIModel {
  return { id: model.id, object: "model", created: model.created, owned_by: model.ownedBy ?? provider };
}
