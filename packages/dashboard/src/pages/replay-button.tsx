import { useState } from "react";
import { ApiFailure } from "../api/tollgate-api.ts";

/**
 * A Replay button: one POST (with the session's CSRF token and its own Idempotency-Key, as
 * every write), then what it made or why it was refused, beside the button.
 */
export function ReplayButton(props: {
  label: string;
  replay: () => Promise<{ deliveryIds: string[] }>;
  onReplayed: () => void;
}) {
  const [state, setState] = useState<{ busy: boolean; text?: string; error?: boolean }>({ busy: false });
  const click = async () => {
    setState({ busy: true });
    try {
      const { deliveryIds } = await props.replay();
      setState({
        busy: false,
        text: `Replayed: ${deliveryIds.length} new ${deliveryIds.length === 1 ? "delivery" : "deliveries"}`,
      });
      props.onReplayed();
    } catch (failure) {
      setState({ busy: false, error: true, text: failure instanceof ApiFailure ? failure.message : String(failure) });
    }
  };
  return (
    <span className="replay">
      <button type="button" className="small" disabled={state.busy} onClick={click} aria-label={props.label}>
        Replay
      </button>
      {state.text && (
        <span className={state.error ? "error" : "ok"} role="status">
          {state.text}
        </span>
      )}
    </span>
  );
}
