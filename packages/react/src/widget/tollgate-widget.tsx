// The widget: Tollgate's badge and usage panel as web components, for pages that are not React
// apps. One script (GET /widget.js, React bundled in) defines them:
//
//   <script src="https://billing.example.com/widget.js" defer></script>
//   <tollgate-balance base-url="https://billing.example.com" token="tg_ct_…" account="user:alice"></tollgate-balance>
//   <tollgate-usage   base-url="…" token="…" account="…"></tollgate-usage>
//
// Each element renders the same React components as @tollgate/react into its own shadow root,
// with the package's stylesheet, so the page's CSS cannot break it and it cannot leak into the
// page; the --tollgate-* custom properties still theme it, as they inherit into shadow DOM.
import type { ReactNode } from "react";
import { createRoot, type Root } from "react-dom/client";
import { BalanceBadge } from "../balance-badge.tsx";
import stylesheet from "../tollgate.css";
import { TollgateProvider } from "../tollgate-provider.tsx";
import { UsagePanel } from "../usage-panel.tsx";

const CONNECTION = ["base-url", "token", "account"] as const;

/** An element that renders `content()` inside a provider built from its attributes. */
abstract class TollgateElement extends HTMLElement {
  static get observedAttributes(): string[] {
    return [...CONNECTION, "unit", "label", "low-below", "title"];
  }

  private root: Root | null = null;

  protected abstract content(): ReactNode;

  connectedCallback(): void {
    if (!this.root) {
      const shadow = this.shadowRoot ?? this.attachShadow({ mode: "open" });
      const style = document.createElement("style");
      style.textContent = stylesheet;
      const mount = document.createElement("span");
      shadow.append(style, mount);
      this.root = createRoot(mount);
    }
    this.render();
  }

  attributeChangedCallback(): void {
    if (this.root) this.render();
  }

  disconnectedCallback(): void {
    // Unmounting closes the events stream; a re-attached element makes a new root.
    this.root?.unmount();
    this.root = null;
    if (this.shadowRoot) this.shadowRoot.replaceChildren();
  }

  protected optional(name: string): string | undefined {
    return this.getAttribute(name) ?? undefined;
  }

  private render(): void {
    const [baseUrl, token, account] = CONNECTION.map((name) => this.getAttribute(name));
    if (!baseUrl || !token || !account) {
      this.root?.render(
        <span role="alert" className="tollgate-panel__error">
          {`<${this.localName}> needs base-url, token and account attributes.`}
        </span>,
      );
      return;
    }
    this.root?.render(
      <TollgateProvider baseUrl={baseUrl} token={token} account={account}>
        {this.content()}
      </TollgateProvider>,
    );
  }
}

/** `<tollgate-balance>`: the live balance badge (attributes unit, label, low-below). */
class TollgateBalanceElement extends TollgateElement {
  protected content(): ReactNode {
    const unit = this.optional("unit");
    const label = this.optional("label");
    const lowBelow = this.optional("low-below");
    return (
      <BalanceBadge {...(unit ? { unit } : {})} {...(label ? { label } : {})} {...(lowBelow ? { lowBelow } : {})} />
    );
  }
}

/** `<tollgate-usage>`: the usage panel (attribute title). */
class TollgateUsageElement extends TollgateElement {
  protected content(): ReactNode {
    const title = this.optional("title");
    return <UsagePanel {...(title ? { title } : {})} />;
  }
}

// Loaded twice (two script tags), the second must not throw on an already defined name.
if (!customElements.get("tollgate-balance")) customElements.define("tollgate-balance", TollgateBalanceElement);
if (!customElements.get("tollgate-usage")) customElements.define("tollgate-usage", TollgateUsageElement);
