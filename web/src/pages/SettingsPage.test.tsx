import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { ApiError, type Members, type Role } from "../api/client";
import { fakeClient } from "../test-client";
import { SettingsPage } from "./SettingsPage";

const workspace = { id: "w1", slug: "shop", name: "Shop", currency: "EUR", timezone: "Europe/Berlin" };
const members: Members = {
  members: [
    { user_id: "u1", email: "owner@shop.example.com", role: "owner" },
    { user_id: "u2", email: "analyst@shop.example.com", role: "viewer" },
  ],
  invitations: [{ id: "i1", email: "new@shop.example.com", role: "admin", created_at: "2026-11-20T10:00:00Z" }],
};

function api(role: Role) {
  return fakeClient({
    me: vi.fn(async () => ({ id: "u1", clerk_user_id: "user_1", email: "owner@shop.example.com", memberships: [{ workspace_id: "w1", workspace_name: "Shop", role }] })),
    members: vi.fn(async () => members),
    changeRole: vi.fn(async (_w: string, userId: string, newRole: Role) => {
      if (userId === "u1") throw new ApiError(409, "The workspace must keep an owner: make someone else an owner first.");
      return { user_id: userId, email: "analyst@shop.example.com", role: newRole };
    }),
    updateWorkspace: vi.fn(async (_w, change) => ({ ...workspace, ...change })),
  });
}

describe("SettingsPage", () => {
  it("shows a viewer the workspace and members without any edit control", async () => {
    render(<SettingsPage client={api("viewer")} workspace={workspace} />);
    expect(await screen.findByText(/You are a viewer/)).toBeInTheDocument();
    const [caller, other] = await screen.findAllByTestId("member");
    await waitFor(() => expect(caller).toHaveTextContent("owner@shop.example.com(you)"));
    expect(other).not.toHaveTextContent("(you)");
    expect(screen.getByTestId("workspace-settings")).toHaveTextContent("Europe/Berlin");
    expect(screen.queryAllByRole("button")).toEqual([]);
    expect(screen.queryAllByRole("textbox")).toEqual([]);
    expect(screen.queryAllByRole("combobox")).toEqual([]);
  });

  it("changes a member's role and shows the API's refusal for the last owner", async () => {
    const client = api("owner");
    render(<SettingsPage client={client} workspace={workspace} />);
    await userEvent.selectOptions(await screen.findByLabelText("Role of analyst@shop.example.com"), "admin");
    expect(client.changeRole).toHaveBeenCalledWith("w1", "u2", "admin");
    expect(await screen.findByText("analyst@shop.example.com is now admin")).toBeInTheDocument();
    await userEvent.selectOptions(await screen.findByLabelText("Role of owner@shop.example.com"), "viewer");
    expect(await screen.findByRole("alert")).toHaveTextContent("The workspace must keep an owner");
  });

  it("says a new timezone rebuilds the figures on the next warehouse run", async () => {
    const client = api("admin");
    render(<SettingsPage client={client} workspace={workspace} />);
    await userEvent.selectOptions(await screen.findByLabelText("Timezone"), "America/New_York");
    await userEvent.click(screen.getByRole("button", { name: "Save workspace" }));
    expect(client.updateWorkspace).toHaveBeenCalledWith("w1", { timezone: "America/New_York" });
    const saved = await screen.findByText("Saved");
    await waitFor(() => expect(saved.parentElement).toHaveTextContent("after the pipeline's next warehouse run"));
    // An admin does not hand out the owner role.
    expect(within(screen.getByLabelText("Role", { selector: "#invite-role" })).queryByRole("option", { name: "Owner" })).toBeNull();
  });
});
