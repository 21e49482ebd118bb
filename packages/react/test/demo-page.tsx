// The page the browser tests render (and the guide's screenshots show): every component of
// @tollgate/react under one provider, configured by the test through window.TOLLGATE_DEMO.
import { createRoot } from "react-dom/client";
import { BalanceBadge, ChatCost, PlanPicker, TollgateProvider, UsagePanel } from "../src/index.ts";
import stylesheet from "../src/tollgate.css";

interface DemoConfig {
  baseUrl: string;
  token: string;
  account: string;
  conversationId: string;
  lowBelow: string;
  /** Where the plan picker's checkout goes (the test's stand-in for Stripe's page). */
  checkoutUrl: string;
}

const config = (globalThis as unknown as { TOLLGATE_DEMO: DemoConfig }).TOLLGATE_DEMO;
const style = document.createElement("style");
style.textContent = stylesheet;
document.head.append(style);

function DemoApp() {
  return (
    <TollgateProvider baseUrl={config.baseUrl} token={config.token} account={config.account}>
      <header style={{ display: "flex", justifyContent: "space-between", alignItems: "center", marginBottom: 16 }}>
        <strong>Acme Chat</strong>
        <BalanceBadge unit="credits" label="Credits" lowBelow={config.lowBelow} />
      </header>
      <main style={{ display: "grid", gap: 16 }}>
        <p>
          Conversation <code>{config.conversationId}</code> · <ChatCost conversationId={config.conversationId} />
        </p>
        <UsagePanel />
        <PlanPicker
          // A stand-in for the app's backend, which would create the Stripe session with its secret key.
          createCheckout={async (plan) => ({ url: `${config.checkoutUrl}?plan=${encodeURIComponent(plan.id)}` })}
        />
      </main>
    </TollgateProvider>
  );
}

const mount = document.getElementById("app");
if (!mount) throw new Error("the demo page has no #app element");
createRoot(mount).render(<DemoApp />);
