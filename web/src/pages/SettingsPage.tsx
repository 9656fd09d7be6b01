import { useMemo, useState, type FormEvent } from "react";
import type { Client, Member, Role, Workspace, WorkspaceChange } from "../api/client";
import { Notice } from "../components/Notice";
import { Panel } from "../components/Panel";
import { ErrorState, Loading } from "../components/States";
import { useAsync } from "../useAsync";
import { canManage, useCaller } from "../useRole";

const ROLES: { role: Role; label: string }[] = [
  { role: "owner", label: "Owner" },
  { role: "admin", label: "Admin" },
  { role: "viewer", label: "Viewer" },
];
const ROLE_SENTENCES: Record<Role, string> = {
  owner: "You are an owner of this workspace.",
  admin: "You are an admin of this workspace.",
  viewer: "You are a viewer of this workspace: you read, and an owner or admin changes what is here.",
};
const roleLabel = (role: Role) => ROLES.find((r) => r.role === role)?.label ?? role;
const FIELD = "h-9 w-full rounded-md border border-slate-400 bg-white px-2 text-sm text-slate-900";
const PRIMARY = "rounded-md bg-indigo-700 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-800 disabled:bg-slate-500";
const SECONDARY = "rounded-md border border-slate-400 bg-white px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-100";

export function SettingsPage({
  client,
  workspace,
  onSaved,
}: {
  client: Client;
  workspace: Workspace;
  onSaved?: (workspace: Workspace) => void;
}) {
  const { userId, role } = useCaller(client, workspace.id);
  const editable = canManage(role);
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-bold tracking-tight text-slate-900">Settings</h1>
        <p className="text-sm text-slate-700">{role ? ROLE_SENTENCES[role] : "\u00a0"}</p>
      </div>
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-2">
        <Panel title="Workspace">
          <WorkspaceSettings client={client} workspace={workspace} editable={editable} onSaved={onSaved} />
        </Panel>
        <Panel title="Members">
          <MembersSettings client={client} workspace={workspace} editable={editable} callerId={userId} callerIsOwner={role === "owner"} />
        </Panel>
      </div>
    </div>
  );
}

function timezones(current: string): string[] {
  const known = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return known.includes(current) ? known : [current, ...known];
}

function WorkspaceSettings({
  client,
  workspace,
  editable,
  onSaved,
}: {
  client: Client;
  workspace: Workspace;
  editable: boolean;
  onSaved?: (workspace: Workspace) => void;
}) {
  const [saved, setSaved] = useState(workspace);
  const [name, setName] = useState(workspace.name);
  const [currency, setCurrency] = useState(workspace.currency);
  const [timezone, setTimezone] = useState(workspace.timezone);
  const [saving, setSaving] = useState(false);
  const [outcome, setOutcome] = useState<{ tone: "success" | "error"; title: string; detail?: string } | null>(null);
  const zones = useMemo(() => timezones(workspace.timezone), [workspace.timezone]);

  if (!editable)
    return (
      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm" data-testid="workspace-settings">
        <dt className="text-slate-700">Name</dt>
        <dd className="font-medium text-slate-900">{saved.name}</dd>
        <dt className="text-slate-700">Currency</dt>
        <dd className="font-medium text-slate-900">{saved.currency}</dd>
        <dt className="text-slate-700">Timezone</dt>
        <dd className="font-medium text-slate-900">{saved.timezone}</dd>
      </dl>
    );

  const change: WorkspaceChange = {};
  if (name.trim() !== saved.name) change.name = name.trim();
  if (currency !== saved.currency) change.currency = currency;
  if (timezone !== saved.timezone) change.timezone = timezone;
  const rebuilds = change.currency !== undefined || change.timezone !== undefined;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setOutcome(null);
    try {
      const updated = await client.updateWorkspace(workspace.id, change);
      setSaved(updated);
      onSaved?.(updated);
      setOutcome({
        tone: "success",
        title: "Saved",
        detail: rebuilds
          ? "The dashboard shows the new currency and days after the pipeline's next warehouse run has rebuilt this workspace's figures."
          : undefined,
      });
    } catch (error) {
      setOutcome({ tone: "error", title: "Could not save", detail: (error as Error).message });
    } finally {
      setSaving(false);
    }
  };

  return (
    <form onSubmit={submit} className="space-y-4" data-testid="workspace-settings">
      <div>
        <label htmlFor="workspace-name" className="block text-sm font-medium text-slate-800">
          Name
        </label>
        <input id="workspace-name" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} className={FIELD} />
      </div>
      <div className="grid grid-cols-1 gap-4 sm:grid-cols-2">
        <div>
          <label htmlFor="workspace-currency" className="block text-sm font-medium text-slate-800">
            Currency
          </label>
          <input
            id="workspace-currency"
            required
            value={currency}
            onChange={(e) => setCurrency(e.target.value.toUpperCase())}
            pattern="[A-Z]{3}"
            maxLength={3}
            title="An ISO 4217 code, e.g. USD or EUR"
            aria-describedby="rebuild-note"
            className={FIELD}
          />
        </div>
        <div>
          <label htmlFor="workspace-timezone" className="block text-sm font-medium text-slate-800">
            Timezone
          </label>
          <select id="workspace-timezone" value={timezone} onChange={(e) => setTimezone(e.target.value)} aria-describedby="rebuild-note" className={FIELD}>
            {zones.map((zone) => (
              <option key={zone} value={zone}>
                {zone}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p id="rebuild-note" className={`text-sm ${rebuilds ? "rounded-md bg-amber-50 p-2 text-amber-900" : "text-slate-700"}`}>
        The currency is what every amount is converted into; the timezone decides where each day starts and ends. A change is saved at once, and
        the pipeline's next warehouse run rebuilds all of this workspace's figures in the new currency and days: until then the dashboard shows
        the old ones.
      </p>
      {outcome && (
        <Notice tone={outcome.tone} title={outcome.title} onDismiss={() => setOutcome(null)}>
          {outcome.detail}
        </Notice>
      )}
      <button type="submit" disabled={saving || Object.keys(change).length === 0} className={PRIMARY}>
        {saving ? "Saving…" : "Save workspace"}
      </button>
    </form>
  );
}

function MembersSettings({
  client,
  workspace,
  editable,
  callerId,
  callerIsOwner,
}: {
  client: Client;
  workspace: Workspace;
  editable: boolean;
  callerId: string | null;
  callerIsOwner: boolean;
}) {
  const [version, setVersion] = useState(0);
  const members = useAsync(() => client.members(workspace.id), `members:${workspace.id}:${version}`);
  const [outcome, setOutcome] = useState<{ tone: "success" | "error"; title: string; detail?: string } | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);

  const act = async (title: string, action: () => Promise<unknown>, done?: string) => {
    setOutcome(null);
    try {
      await action();
      if (done) setOutcome({ tone: "success", title: done });
    } catch (error) {
      // The API's own words: the last owner, an admin granting the owner role, an existing member.
      setOutcome({ tone: "error", title, detail: (error as Error).message });
    }
    setVersion((n) => n + 1);
  };

  if (members.status === "loading") return <Loading label="Loading the members…" />;
  if (members.status === "error") return <ErrorState title="Could not load the members" detail={members.error.message} onRetry={members.retry} />;
  const assignable = ROLES.filter((r) => callerIsOwner || r.role !== "owner");

  return (
    <div className="space-y-4">
      <p className="text-sm text-slate-700">
        Owners and admins change the workspace, its connections and its members; only an owner makes or removes an owner. Viewers read.
      </p>
      {outcome && (
        <Notice tone={outcome.tone} title={outcome.title} onDismiss={() => setOutcome(null)}>
          {outcome.detail}
        </Notice>
      )}
      <ul className="divide-y divide-slate-200" data-testid="members">
        {members.value.members.map((member: Member) => (
          <li key={member.user_id} className="py-3" data-testid="member" data-email={member.email}>
            <div className="flex flex-wrap items-center justify-between gap-2">
              <span className="min-w-0 font-medium break-all text-slate-900">
                {member.email}
                {member.user_id === callerId && <span className="ml-1 font-normal text-slate-700">(you)</span>}
              </span>
              {editable ? (
                <div className="flex flex-wrap items-center gap-2">
                  <label className="sr-only" htmlFor={`role-${member.user_id}`}>
                    Role of {member.email}
                  </label>
                  <select
                    id={`role-${member.user_id}`}
                    value={member.role}
                    onChange={(e) =>
                      act(`Could not change the role of ${member.email}`, () => client.changeRole(workspace.id, member.user_id, e.target.value as Role), `${member.email} is now ${roleLabel(e.target.value as Role).toLowerCase()}`)
                    }
                    className="rounded-md border border-slate-400 bg-white px-2 py-1.5 text-sm text-slate-900"
                  >
                    {(assignable.some((r) => r.role === member.role) ? assignable : ROLES).map((r) => (
                      <option key={r.role} value={r.role}>
                        {r.label}
                      </option>
                    ))}
                  </select>
                  {removing === member.user_id ? null : (
                    <button type="button" onClick={() => setRemoving(member.user_id)} className={SECONDARY}>
                      Remove<span className="sr-only"> {member.email}</span>
                    </button>
                  )}
                </div>
              ) : (
                <span className="text-sm text-slate-800">{roleLabel(member.role)}</span>
              )}
            </div>
            {editable && removing === member.user_id && (
              <div role="group" aria-label={`Confirm removing ${member.email}`} className="mt-2 rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-950">
                <p>Remove {member.email} from {workspace.name}? They lose access at once.</p>
                <div className="mt-2 flex flex-wrap gap-2">
                  <button
                    type="button"
                    autoFocus
                    onClick={() => {
                      setRemoving(null);
                      act(`Could not remove ${member.email}`, () => client.removeMember(workspace.id, member.user_id), `${member.email} was removed`);
                    }}
                    className="rounded-md bg-red-800 px-3 py-1.5 font-medium text-white hover:bg-red-900"
                  >
                    Yes, remove
                  </button>
                  <button type="button" onClick={() => setRemoving(null)} className={SECONDARY}>
                    Keep
                  </button>
                </div>
              </div>
            )}
          </li>
        ))}
      </ul>
      {members.value.invitations.length > 0 && (
        <div>
          <h3 className="text-sm font-semibold text-slate-900">Invited, not signed in yet</h3>
          <ul className="mt-1 divide-y divide-slate-200" data-testid="invitations">
            {members.value.invitations.map((invitation) => (
              <li key={invitation.id} className="flex flex-wrap items-center justify-between gap-2 py-2 text-sm">
                <span className="break-all text-slate-900">
                  {invitation.email} · {roleLabel(invitation.role)}
                </span>
                {editable && (
                  <button type="button" onClick={() => act(`Could not revoke the invitation of ${invitation.email}`, () => client.revokeInvitation(workspace.id, invitation.id))} className={SECONDARY}>
                    Revoke<span className="sr-only"> the invitation of {invitation.email}</span>
                  </button>
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
      {editable && <InviteForm roles={assignable} onInvite={(email, role) => act(`Could not invite ${email}`, () => client.invite(workspace.id, email, role), `${email} is invited: they join when they sign in to metricx with that email`)} />}
    </div>
  );
}

function InviteForm({ roles, onInvite }: { roles: { role: Role; label: string }[]; onInvite: (email: string, role: Role) => Promise<void> }) {
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    await onInvite(email.trim(), role);
    setEmail("");
  };
  return (
    <form onSubmit={submit} className="space-y-2 border-t border-slate-200 pt-4">
      <h3 className="text-sm font-semibold text-slate-900">Invite a teammate</h3>
      <div className="flex flex-wrap items-end gap-2">
        <div className="min-w-0 flex-1">
          <label htmlFor="invite-email" className="block text-sm font-medium text-slate-800">
            Email
          </label>
          <input id="invite-email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} className={FIELD} />
        </div>
        <div>
          <label htmlFor="invite-role" className="block text-sm font-medium text-slate-800">
            Role
          </label>
          <select id="invite-role" value={role} onChange={(e) => setRole(e.target.value as Role)} className={FIELD}>
            {roles.map((r) => (
              <option key={r.role} value={r.role}>
                {r.label}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className={PRIMARY}>
          Invite
        </button>
      </div>
    </form>
  );
}
