import { useEffect, useState } from "react";

/**
 * The page, from the URL's hash (`#/accounts/acct_…`): the server serves one index.html at `/`,
 * and a hash never reaches it, so every page is a link that survives a reload.
 */
export type Route =
  | { page: "overview" }
  | { page: "accounts" }
  | { page: "account"; account: string }
  | { page: "webhooks" }
  | { page: "keys" }
  | { page: "prices" }
  | { page: "plans" }
  | { page: "subscriptions"; plan?: string };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  if (parts[0] === "accounts" && parts[1]) return { page: "account", account: decodeURIComponent(parts[1]) };
  if (parts[0] === "accounts") return { page: "accounts" };
  if (parts[0] === "webhooks") return { page: "webhooks" };
  if (parts[0] === "keys") return { page: "keys" };
  if (parts[0] === "prices" || parts[0] === "plans") return { page: parts[0] };
  if (parts[0] === "subscriptions")
    return parts[1] ? { page: "subscriptions", plan: decodeURIComponent(parts[1]) } : { page: "subscriptions" };
  return { page: "overview" };
}

export function hrefOf(route: Route): string {
  if (route.page === "account") return `#/accounts/${encodeURIComponent(route.account)}`;
  if (route.page === "webhooks" || route.page === "keys") return `#/${route.page}`;
  if (route.page === "subscriptions") return `#/subscriptions${route.plan ? `/${encodeURIComponent(route.plan)}` : ""}`;
  if (route.page === "prices" || route.page === "plans") return `#/${route.page}`;
  return route.page === "accounts" ? "#/accounts" : "#/";
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}
