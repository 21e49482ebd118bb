import { type AccessRule, catalogApi, type DisplayPrice, type Pack, type Plan } from "../api/catalog-api.ts";
import { hrefOf } from "../route.ts";
import { useLoaded } from "../use-loaded.ts";

const priceText = (price: DisplayPrice | null) => (price ? `${price.amount} ${price.currency.toUpperCase()}` : "free");
const accessText = (rule: AccessRule) =>
  `${rule.allow === null ? "all" : rule.allow.join(", ") || "none"}${rule.deny.length ? ` (not ${rule.deny.join(", ")})` : ""}`;
const stripeText = (item: { stripePriceId: string | null; stripeLookupKey: string | null }) =>
  item.stripePriceId ?? (item.stripeLookupKey ? `lookup key ${item.stripeLookupKey}` : "none");

/** The configured plans (allocations, access, Stripe price) and packs, as `GET /v1/plans` and `/v1/packs` show them. */
export function PlansPage() {
  const plans = useLoaded(() => catalogApi.plans(), "plans");
  const packs = useLoaded(() => catalogApi.packs(), "packs");
  return (
    <section>
      <h1>Plans and packs</h1>
      <p className="hint">
        Defined in the configuration file; see <a href={hrefOf({ page: "subscriptions" })}>subscriptions</a> for who is
        on each.
      </p>
      {plans.error && <p className="error">{plans.error}</p>}
      {plans.value?.data.length === 0 && <p className="status">No plan is configured.</p>}
      <div className="plans">
        {plans.value?.data.map((plan) => (
          <PlanCard key={plan.id} plan={plan} />
        ))}
      </div>
      <h2>Packs</h2>
      {packs.error && <p className="error">{packs.error}</p>}
      {packs.value && <PacksTable packs={packs.value.data} />}
    </section>
  );
}

function PlanCard(props: { plan: Plan }) {
  const { plan } = props;
  return (
    <article className="card plan" aria-label={`Plan ${plan.id}`}>
      <h2>
        {plan.name} <small className="mono">{plan.id}</small>
      </h2>
      <p className="plan-price">
        {priceText(plan.price)} <span className="hint">every {plan.period.every}</span>
      </p>
      <dl className="facts">
        <dt>Allocations</dt>
        <dd>
          {plan.allocations.length === 0
            ? "none"
            : plan.allocations.map((allocation) => (
                <div key={allocation.unit} data-testid={`allocation-${plan.id}-${allocation.unit}`}>
                  {allocation.amount} {allocation.unit} per {plan.period.every}, {allocation.renewal}
                  {allocation.rolloverCap !== null ? ` (cap ${allocation.rolloverCap})` : ""}
                </div>
              ))}
        </dd>
        <dt>Period</dt>
        <dd>
          {plan.period.anchor}, {plan.period.timeZone}
        </dd>
        <dt>Models</dt>
        <dd className="mono">{accessText(plan.models)}</dd>
        <dt>Features</dt>
        <dd className="mono">{accessText(plan.features)}</dd>
        <dt>Overage</dt>
        <dd>
          {plan.overage.policy === "block"
            ? "blocked"
            : `allowed to ${plan.overage.limit} ${plan.overage.unit} below zero`}
        </dd>
        <dt>Stripe price</dt>
        <dd className="mono">{stripeText(plan)}</dd>
        <dt>Version</dt>
        <dd>
          {plan.version} · downgrade {plan.downgrade.replace("_", " ")} · cancel {plan.cancel.replace("_", " ")}
        </dd>
      </dl>
      <a href={hrefOf({ page: "subscriptions", plan: plan.id })}>Its subscriptions</a>
    </article>
  );
}

function PacksTable(props: { packs: Pack[] }) {
  if (props.packs.length === 0) return <p className="status">No pack is configured.</p>;
  return (
    <div className="table-scroll">
      <table className="packs">
        <thead>
          <tr>
            <th>Pack</th>
            <th>Grants</th>
            <th>Bonus</th>
            <th>Price</th>
            <th>Expires</th>
            <th>Stripe price</th>
          </tr>
        </thead>
        <tbody>
          {props.packs.map((pack) => (
            <tr key={pack.id}>
              <td>
                {pack.name} <span className="hint mono">{pack.id}</span>
              </td>
              <td>
                {pack.lotAmount} {pack.unit}
              </td>
              <td>{pack.bonusPercent}%</td>
              <td>{priceText(pack.price)}</td>
              <td>{pack.expiresInMs === null ? "never" : `after ${Math.round(pack.expiresInMs / 86_400_000)} days`}</td>
              <td className="mono">{stripeText(pack)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
