import type { Client, Role } from "./api/client";
import { useAsync } from "./useAsync";

/** The caller's role in the workspace (from `/v1/me`), null while it loads or if it fails:
 * edit controls show only once the API says the caller may use them. */
export function useRole(client: Client, workspaceId: string): Role | null {
  const me = useAsync(() => client.me(), "me");
  if (me.status !== "done") return null;
  return me.value.memberships.find((m) => m.workspace_id === workspaceId)?.role ?? null;
}

export function canManage(role: Role | null): boolean {
  return role === "owner" || role === "admin";
}
