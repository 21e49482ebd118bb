// The example chat's page, in the user's browser: a chat that streams its replies through
// Tollgate's metering proxy, and @tollgate/react's components beside it, live over the balance
// events stream (no polling). Bundled by bundle-page.ts when the example starts.
import { BalanceBadge, ChatCost, TollgateProvider, UsagePanel } from "@tollgate/react";
import stylesheet from "@tollgate/react/styles.css";
import { type FormEvent, useState } from "react";
import { createRoot } from "react-dom/client";
import type { ChatSession } from "./chat-session.ts";
import { type ChatMessage, streamChat } from "./stream-chat.ts";

/** The page's own look; the components bring theirs (themable through --tollgate-* properties). */
const PAGE_STYLE = `
  body { font-family: system-ui, sans-serif; margin: 0; background: #f6f8fa; color: #1f2328; }
  .chat-page { max-width: 880px; margin: 0 auto; padding: 16px; display: grid; gap: 16px;
               grid-template-columns: minmax(0, 1fr) 280px; }
  .chat-page > header { grid-column: 1 / -1; display: flex; justify-content: space-between; align-items: center; }
  .chat-page h1 { font-size: 1.25rem; margin: 0; }
  .chat, .chat-cost { background: #fff; border: 1px solid #d1d9e0; border-radius: 8px; padding: 12px; }
  .chat { display: flex; flex-direction: column; gap: 8px; }
  .chat ol { flex: 1; list-style: none; margin: 0; padding: 0; display: grid; gap: 8px; min-height: 160px;
             align-content: start; }
  .message { padding: 8px 12px; border-radius: 8px; max-width: 80%; white-space: pre-wrap; }
  .message[data-role="user"] { background: #ddf4ff; justify-self: end; }
  .message[data-role="assistant"] { background: #f6f8fa; border: 1px solid #d1d9e0; }
  .chat form { display: flex; gap: 8px; }
  .chat input { flex: 1; padding: 8px; font: inherit; }
  .chat [role="alert"] { color: #d1242f; margin: 0; }
  aside { display: grid; gap: 12px; align-content: start; }
  .chat-cost h2 { font-size: 1rem; margin: 0 0 4px; }
  @media (max-width: 640px) { .chat-page { grid-template-columns: 1fr; } }
`;

/** A message as shown: `streaming` while its reply comes in, `failed` when the call was refused. */
type ShownMessage = ChatMessage & { state: "streaming" | "done" | "failed" };

/** The conversation's messages, the form to send one, and what a refusal said. */
function Chat(props: { session: ChatSession; conversationId: string }) {
  const [messages, setMessages] = useState<ShownMessage[]>([]);
  const [draft, setDraft] = useState("");
  const [error, setError] = useState<string | null>(null);
  const busy = messages.some((message) => message.state === "streaming");

  const updateReply = (change: (reply: ShownMessage) => ShownMessage) =>
    setMessages((now) => [...now.slice(0, -1), ...now.slice(-1).map(change)]);

  async function send(event: FormEvent) {
    event.preventDefault();
    if (draft.trim() === "" || busy) return;
    const history: ChatMessage[] = [
      ...messages.filter((message) => message.state === "done").map(({ role, content }) => ({ role, content })),
      { role: "user", content: draft },
    ];
    setMessages((now) => [
      ...now,
      { role: "user", content: draft, state: "done" },
      { role: "assistant", content: "", state: "streaming" },
    ]);
    setDraft("");
    setError(null);
    try {
      const { token } = props.session;
      for await (const piece of streamChat({ token, conversationId: props.conversationId, messages: history })) {
        updateReply((reply) => ({ ...reply, content: reply.content + piece }));
      }
      updateReply((reply) => ({ ...reply, state: "done" }));
    } catch (failure) {
      updateReply((reply) => ({ ...reply, state: "failed" }));
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  }

  return (
    <section className="chat" aria-label="Chat">
      <ol>
        {messages.map((message, index) => (
          // The list only grows and never reorders: the index is a stable key.
          // biome-ignore lint/suspicious/noArrayIndexKey: see above
          <li key={index} className="message" data-role={message.role} data-state={message.state}>
            {message.content || (message.state === "failed" ? "(no reply)" : "…")}
          </li>
        ))}
      </ol>
      {error ? <p role="alert">{error}</p> : null}
      <form onSubmit={send}>
        <input
          aria-label="Message"
          placeholder="Say something"
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
        />
        <button type="submit" disabled={busy}>
          Send
        </button>
      </form>
    </section>
  );
}

/** The whole page under one provider: the badge, the chat cost and the usage panel share one live stream. */
function ChatPage(props: { session: ChatSession; conversationId: string }) {
  const { session, conversationId } = props;
  return (
    <TollgateProvider baseUrl={`${location.origin}/billing`} token={session.token} account={session.account}>
      <div className="chat-page">
        <header>
          <h1>Example chat</h1>
          <BalanceBadge unit="credits" label="Credits" lowBelow="100" />
        </header>
        <Chat session={session} conversationId={conversationId} />
        <aside>
          <section className="chat-cost" aria-label="This chat">
            <h2>This chat</h2>
            <ChatCost conversationId={conversationId} />
          </section>
          <UsagePanel />
        </aside>
      </div>
    </TollgateProvider>
  );
}

async function main() {
  const style = document.createElement("style");
  style.textContent = `${stylesheet}\n${PAGE_STYLE}`;
  document.head.append(style);
  // The app's backend opens the user's session: their account, their credits, a customer token.
  const answer = await fetch("/api/session", { method: "POST" });
  if (!answer.ok) throw new Error(`the app's backend answered ${answer.status}`);
  const session = (await answer.json()) as ChatSession;
  // A new conversation each time the page opens: <ChatCost> shows what this one has cost.
  const conversationId = `chat-${crypto.randomUUID()}`;
  const mount = document.getElementById("app");
  if (!mount) throw new Error("the page has no #app element");
  createRoot(mount).render(<ChatPage session={session} conversationId={conversationId} />);
}

main().catch((error: unknown) => {
  document.body.textContent = `The example chat could not start: ${error instanceof Error ? error.message : String(error)}`;
});
