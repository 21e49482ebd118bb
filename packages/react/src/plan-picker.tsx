import { useId, useState } from "react";
import { formatAmount } from "./format-amount.ts";
import { accountPath, type TollgateApi, TollgateApiError } from "./tollgate-api.ts";
import { useTollgate } from "./tollgate-provider.tsx";
import { useApiRead } from "./use-api-read.ts";

/** A plan as `GET /v1/plans` lists it, the fields shown. */
export interface PlanSummary {
  id: string;
  name: string;
  price: { amount: string; currency: string } | null;
  period: { every: "day" | "week" | "month" | "year" };
  allocations: Array<{ unit: string; amount: string }>;
}

export interface PlanPickerProps {
  /** Where Stripe sends the customer back after paying (default: this page). */
  successUrl?: string;
  /** Where Stripe sends the customer back when they give up (default: this page). */
  cancelUrl?: string;
  /**
   * Makes the checkout session. The default POSTs `/v1/checkout-sessions` with the provider's
   * token, which only a secret key may do: in a browser, pass a function that asks the app's
   * own backend (which holds the secret key and knows the signed-in user) for the session.
   */
  createCheckout?: (plan: PlanSummary) => Promise<{ url: string }>;
  /** Goes to the checkout page (default: `window.location.assign`). */
  navigate?: (url: string) => void;
  className?: string;
}

/**
 * The plans to choose from, the current one marked; choosing one opens Stripe Checkout.
 *
 * @example
 * <PlanPicker createCheckout={(plan) => fetch(`/api/checkout?plan=${plan.id}`, { method: "POST" }).then((r) => r.json())} />
 */
export function PlanPicker(props: PlanPickerProps) {
  const headingId = useId();
  const { api, account } = useTollgate();
  const plans = useApiRead(api, (client, signal) => readPlans(client, account, signal), [account]);
  const [pending, setPending] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  const choose = async (plan: PlanSummary) => {
    setPending(plan.id);
    setFailure(null);
    try {
      const here = globalThis.location?.href ?? "";
      const session = props.createCheckout
        ? await props.createCheckout(plan)
        : await api.post<{ url: string }>("/v1/checkout-sessions", {
            account,
            plan: plan.id,
            successUrl: props.successUrl ?? here,
            cancelUrl: props.cancelUrl ?? here,
          });
      (props.navigate ?? ((url: string) => globalThis.location.assign(url)))(session.url);
    } catch (error) {
      setFailure((error as Error).message);
      setPending(null);
    }
  };

  return (
    <section
      className={["tollgate-plans", props.className].filter(Boolean).join(" ")}
      aria-labelledby={headingId}
      aria-busy={plans.loading}
    >
      <h2 id={headingId} className="tollgate-panel__title">
        Plans
      </h2>
      {plans.error ? <p role="alert">Plans are unavailable: {plans.error.message}</p> : null}
      <ul className="tollgate-plans__list">
        {plans.data?.plans.map((plan) => {
          const current = plans.data?.current === plan.id;
          return (
            <li key={plan.id} className="tollgate-plans__plan" data-current={current}>
              <h3 className="tollgate-plans__name">{plan.name}</h3>
              <p className="tollgate-plans__price">{priceText(plan)}</p>
              <ul className="tollgate-plans__allocations">
                {plan.allocations.map((allocation) => (
                  <li key={allocation.unit}>
                    {formatAmount(allocation.amount)} {allocation.unit} a {plan.period.every}
                  </li>
                ))}
              </ul>
              <button
                type="button"
                className="tollgate-button"
                disabled={current || pending !== null}
                aria-label={current ? `${plan.name}: your current plan` : `Choose ${plan.name}`}
                onClick={() => void choose(plan)}
              >
                {current ? "Current plan" : pending === plan.id ? "Opening checkout…" : "Choose"}
              </button>
            </li>
          );
        })}
      </ul>
      {failure ? (
        <p role="alert" className="tollgate-panel__error">
          Checkout could not start: {failure}
        </p>
      ) : null}
    </section>
  );
}

function priceText(plan: PlanSummary): string {
  if (!plan.price) return "Free";
  return `${formatAmount(plan.price.amount)} ${plan.price.currency.toUpperCase()} / ${plan.period.every}`;
}

async function readPlans(api: TollgateApi, account: string, signal: AbortSignal) {
  const [list, subscription] = await Promise.all([
    api.get<{ data: PlanSummary[] }>("/v1/plans", { signal }),
    api.get<{ plan: string; status: string }>(accountPath(account, "/subscription"), { signal }).catch((error) => {
      if (error instanceof TollgateApiError && error.status === 404) return null;
      throw error;
    }),
  ]);
  const current = subscription && subscription.status !== "canceled" ? subscription.plan : null;
  return { plans: list.data, current };
}
