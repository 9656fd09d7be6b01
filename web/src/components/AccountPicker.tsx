import { useState, type FormEvent } from "react";
import { ApiError, type Client, type Connection, type Workspace } from "../api/client";
import { ErrorState, Loading } from "./States";
import { useAsync } from "../useAsync";
import { PLATFORMS } from "./platforms";

/** After a Meta or Google consent: which of the accounts it reaches to connect. */
export function AccountPicker({
  client,
  workspace,
  selectionId,
  connected,
  onConnected,
  onCancel,
}: {
  client: Client;
  workspace: Workspace;
  selectionId: string;
  connected: Connection[];
  onConnected: (connections: Connection[]) => void;
  onCancel: () => void;
}) {
  const selection = useAsync(() => client.selection(workspace.id, selectionId), `selection:${selectionId}`);
  const [chosen, setChosen] = useState<Set<string> | null>(null);
  const [saving, setSaving] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);

  if (selection.status === "loading") return <Loading label="Loading the accounts you can connect…" />;
  if (selection.status === "error")
    return (
      <ErrorState
        title="Could not load the accounts to choose from"
        detail={
          selection.error instanceof ApiError && selection.error.status === 404
            ? "This choice has expired (after 30 minutes) or was already made. Connect again to choose accounts."
            : selection.error.message
        }
      />
    );
  const { provider, accounts } = selection.value;
  const platform = PLATFORMS.find((p) => p.provider === provider);
  const already = new Set(connected.filter((c) => c.provider === provider && c.status !== "disconnected").map((c) => c.external_account_id));
  // One account offered: it is the one the merchant came for.
  const picked = chosen ?? new Set(accounts.length === 1 ? [accounts[0].external_account_id] : []);
  const toggle = (id: string) => {
    const next = new Set(picked);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setChosen(next);
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setFailure(null);
    try {
      onConnected(await client.chooseAccounts(workspace.id, selectionId, [...picked]));
    } catch (error) {
      setFailure((error as Error).message);
      setSaving(false);
    }
  };
  const noun = platform?.accounts ?? "accounts";
  return (
    <form onSubmit={submit} aria-labelledby="picker-title" className="rounded-xl border-2 border-indigo-700 bg-white p-4 shadow-sm" data-testid="account-picker">
      <h2 id="picker-title" className="text-lg font-semibold text-slate-900">
        Choose the {platform?.name ?? provider} {noun} to connect
      </h2>
      {accounts.length === 0 ? (
        <p className="mt-2 text-sm text-slate-700">
          The {platform?.name ?? provider} login you used reaches no {noun}. Sign in there with a user who has access to your {noun}, then connect
          again.
        </p>
      ) : (
        <fieldset className="mt-3">
          <legend className="text-sm text-slate-700">
            metricx syncs the {noun} you choose every 15 minutes. Already connected ones are renewed with this login.
          </legend>
          <ul className="mt-2 space-y-2">
            {accounts.map((account) => (
              <li key={account.external_account_id}>
                <label className="flex items-center gap-3 rounded-md border border-slate-300 p-3 hover:bg-slate-50">
                  <input
                    type="checkbox"
                    className="h-4 w-4 accent-indigo-700"
                    checked={picked.has(account.external_account_id)}
                    onChange={() => toggle(account.external_account_id)}
                  />
                  <span className="min-w-0">
                    <span className="block font-medium text-slate-900">{account.display_name}</span>
                    <span className="block text-sm text-slate-700">
                      {account.external_account_id}
                      {already.has(account.external_account_id) && " · already connected"}
                    </span>
                  </span>
                </label>
              </li>
            ))}
          </ul>
        </fieldset>
      )}
      {failure && (
        <p role="alert" className="mt-3 text-sm font-medium text-red-800">
          {failure}
        </p>
      )}
      <div className="mt-4 flex flex-wrap gap-2">
        {accounts.length > 0 && (
          <button
            type="submit"
            disabled={picked.size === 0 || saving}
            className="rounded-md bg-indigo-700 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-800 disabled:cursor-not-allowed disabled:bg-slate-500"
          >
            {saving ? "Connecting…" : picked.size === 1 ? "Connect 1 account" : `Connect ${picked.size} accounts`}
          </button>
        )}
        <button type="button" onClick={onCancel} className="rounded-md border border-slate-400 px-4 py-2 text-sm font-medium text-slate-800 hover:bg-slate-100">
          Cancel
        </button>
      </div>
    </form>
  );
}
