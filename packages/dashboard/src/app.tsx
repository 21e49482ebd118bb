import { useEffect, useState } from "react";
import { ApiFailure, api, type Session } from "./api/tollgate-api.ts";
import { AccountPage } from "./pages/account-page.tsx";
import { AccountsPage } from "./pages/accounts-page.tsx";
import { KeysPage } from "./pages/keys-page.tsx";
import { OverviewPage } from "./pages/overview-page.tsx";
import { PlansPage } from "./pages/plans-page.tsx";
import { PricesPage } from "./pages/prices-page.tsx";
import { SignInPage } from "./pages/sign-in-page.tsx";
import { SubscriptionsPage } from "./pages/subscriptions-page.tsx";
import { WebhooksPage } from "./pages/webhooks-page.tsx";
import { hrefOf, useRoute } from "./route.ts";

/** The session gate, the navigation and the current page. */
export function App() {
  const [session, setSession] = useState<Session | null | "loading">("loading");
  const route = useRoute();

  useEffect(() => {
    api.session().then(setSession, (error: unknown) => {
      if (error instanceof ApiFailure && error.status === 401) setSession(null);
      else throw error;
    });
  }, []);

  if (session === "loading") return <p className="status">Loading…</p>;
  if (session === null) return <SignInPage onSignedIn={setSession} />;

  const signOut = async () => {
    await api.signOut();
    setSession(null);
  };
  return (
    <div className="shell">
      <header className="top">
        <strong className="brand">Tollgate</strong>
        <nav>
          <a href={hrefOf({ page: "overview" })} aria-current={route.page === "overview" ? "page" : undefined}>
            Overview
          </a>
          <a
            href={hrefOf({ page: "accounts" })}
            aria-current={route.page === "accounts" || route.page === "account" ? "page" : undefined}
          >
            Accounts
          </a>
          <a href={hrefOf({ page: "webhooks" })} aria-current={route.page === "webhooks" ? "page" : undefined}>
            Webhooks
          </a>
          <a href={hrefOf({ page: "keys" })} aria-current={route.page === "keys" ? "page" : undefined}>
            API keys
          </a>
          {(["prices", "plans", "subscriptions"] as const).map((page) => (
            <a key={page} href={hrefOf({ page })} aria-current={route.page === page ? "page" : undefined}>
              {page[0]?.toUpperCase()}
              {page.slice(1)}
            </a>
          ))}
        </nav>
        <span className="who">{session.keyId}</span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main>
        {route.page === "overview" && <OverviewPage />}
        {route.page === "accounts" && <AccountsPage />}
        {route.page === "account" && <AccountPage account={route.account} />}
        {route.page === "webhooks" && <WebhooksPage />}
        {route.page === "keys" && <KeysPage />}
        {route.page === "prices" && <PricesPage />}
        {route.page === "plans" && <PlansPage />}
        {route.page === "subscriptions" && <SubscriptionsPage key={route.plan ?? ""} {...route} />}
      </main>
    </div>
  );
}
