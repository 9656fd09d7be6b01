import type { Client, Role } from "./api/client";
import { useAsync } from "./useAsync";

/** Who calls (from `/v1/me`) and their role in the workspace, null while it loads or if it
 * fails: edit controls show only once the API says the caller may use them. */
export function useCaller(client: Client, workspaceId: string): { userId: string | null; role: Role | null } {
  const me = useAsync(() => client.me(), "me");
  if (me.status !== "done") return { userId: null, role: null };
  return { userId: me.value.id, role: me.value.memberships.find((m) => m.workspace_id === workspaceId)?.role ?? null };
}

export function useRole(client: Client, workspaceId: string): Role | null {
  return useCaller(client, workspaceId).role;
}

export function canManage(role: Role | null): boolean {
  return role === "owner" || role === "admin";
}
