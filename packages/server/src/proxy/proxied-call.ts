import type { AccountRef, HoldOutcome } from "@tollgate/core";
import type { CallEstimate, Meter, UsageOutcome } from "@tollgate/metering";
import type { Logger } from "../logger.ts";
import type { ProviderUsage } from "./provider-usage.ts";

/**
 * One proxied call's hold, ended exactly once: settled from the provider's usage (or the
 * counted tokens), or released when the upstream failed. Its idempotency keys derive from the
 * hold's, so a retried settlement cannot charge twice.
 */
export class ProxiedCall {
  #ended: Promise<UsageOutcome | null> | null = null;

  constructor(
    private readonly meter: Meter,
    private readonly logger: Logger,
    readonly call: {
      account: AccountRef;
      provider: string;
      model: string;
      idempotencyKey: string;
      hold: HoldOutcome & { estimate: CallEstimate };
      /** From `X-Tollgate-Conversation` and `X-Tollgate-Feature`: kept on the usage event. */
      conversationId?: string;
      feature?: string;
    },
  ) {}

  /** The call's hold (`X-Tollgate-Hold-Id`). */
  get holdId(): string {
    return this.call.hold.holdId;
  }

  /** The hold's estimate of the prompt, for a call settled from counted tokens. */
  get estimatedInputTokens(): number {
    return this.call.hold.estimate.usage.inputTokens ?? 0;
  }

  /** Settles the hold for what the call consumed; null if the ledger refused (logged). */
  settle(consumed: ProviderUsage, latencyMs: number): Promise<UsageOutcome | null> {
    this.#ended ??= this.#settle(consumed, latencyMs);
    return this.#ended;
  }

  /** Releases the hold: the call produced nothing to charge. */
  release(why: string): Promise<null> {
    this.#ended ??= this.#release(why);
    return this.#ended as Promise<null>;
  }

  async #settle(consumed: ProviderUsage, latencyMs: number): Promise<UsageOutcome | null> {
    const { account, provider, model, idempotencyKey, hold, conversationId, feature } = this.call;
    const usage = {
      account,
      provider,
      model,
      ...(conversationId === undefined ? {} : { conversationId }),
      ...(feature === undefined ? {} : { feature }),
      usage: consumed.usage,
      ...(consumed.costUsd === undefined ? {} : { providerReportedCostUsd: consumed.costUsd }),
      latencyMs: Math.max(0, Math.round(latencyMs)),
    };
    let result = await this.meter.recordUsage({
      ...usage,
      holdId: hold.holdId,
      idempotencyKey: `${idempotencyKey}:settle`,
    });
    // A stream that outlived its hold still consumed what it did: charged afresh, not lost.
    if (!result.ok && result.code === "hold_expired") {
      result = await this.meter.recordUsage({ ...usage, idempotencyKey: `${idempotencyKey}:charge` });
    }
    if (result.ok) return result.value;
    this.logger.error("a proxied call's settlement was refused", { holdId: hold.holdId, code: result.code });
    return null;
  }

  async #release(why: string): Promise<null> {
    const { hold, idempotencyKey } = this.call;
    const result = await this.meter.ledger.release({
      holdId: hold.holdId,
      idempotencyKey: `${idempotencyKey}:release`,
    });
    if (!result.ok) this.logger.error("a proxied call's hold was not released", { holdId: hold.holdId, why });
    return null;
  }
}
