import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createCopilotClient, type AnswerData, type CopilotClient, type Intent } from "../api/copilot";
import { ApiError } from "../api/client";
import { CopilotPage } from "./CopilotPage";

const workspace = { id: "w1", slug: "shop", name: "Shop", currency: "EUR", timezone: "Europe/Berlin" };

const intent: Intent = {
  source: "parser",
  query: {
    metrics: ["spend", "attributed_roas"],
    time_range: { preset: "last_7_days" },
    compare_to: "previous_period",
    group_by: ["provider"],
    filters: { provider: null, campaign: null },
    attribution_model: "linear",
  },
  period: { start: "2026-11-13", end: "2026-11-19" },
  comparison_period: { start: "2026-11-06", end: "2026-11-12" },
};

const data: AnswerData = {
  currency: "EUR",
  period: { start: "2026-11-13", end: "2026-11-19" },
  comparison_period: { start: "2026-11-06", end: "2026-11-12" },
  metrics: [
    { name: "spend", semantic_name: "spend", label: "Spend", description: "Ad spend", formula: "sum(spend)", unit: "money" },
    {
      name: "attributed_roas",
      semantic_name: "attributed_roas_linear",
      label: "Attributed ROAS",
      description: "Revenue per spend",
      formula: "attributed_revenue / spend",
      unit: "ratio",
    },
  ],
  group_by: ["provider"],
  rows: [
    {
      date: null,
      dimensions: { provider: "meta_ads" },
      values: { spend: "1234.50", attributed_roas: 2.5 },
      previous: { spend: "1000.00", attributed_roas: 2 },
      change_pct: { spend: 23.5, attributed_roas: 25 },
    },
    {
      date: null,
      dimensions: { provider: "google_ads" },
      values: { spend: "400.00", attributed_roas: 1.25 },
      previous: { spend: "400.00", attributed_roas: 1.25 },
      change_pct: { spend: 0, attributed_roas: 0 },
    },
  ],
};

/** A response body the test writes to as it goes, in Server-Sent Events as the API sends them. */
function liveStream() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  const encoder = new TextEncoder();
  return {
    body,
    send(event: string, payload: unknown) {
      controller.enqueue(encoder.encode(`event: ${event}\r\ndata: ${JSON.stringify(payload)}\r\n\r\n`));
    },
    ping() {
      controller.enqueue(encoder.encode(": ping\r\n\r\n"));
    },
    close() {
      controller.close();
    },
    /** As fetch does when its request is aborted: the body errors. */
    abort() {
      controller.error(new DOMException("The operation was aborted.", "AbortError"));
    },
  };
}

type Stream = ReturnType<typeof liveStream>;

/** The real copilot client over a fake network: each POST to /ask answers with the next stream. */
function copilotOver(streams: Stream[], conversations: unknown[] = []) {
  const asked: { url: string; body: unknown }[] = [];
  const send = vi.fn(async (url: string, init?: RequestInit) => {
    if (url.endsWith("/ask")) {
      asked.push({ url, body: JSON.parse(String(init?.body)) });
      const stream = streams.shift();
      if (!stream) throw new Error("no stream prepared");
      init?.signal?.addEventListener("abort", () => stream.abort());
      return new Response(stream.body, { headers: { "Content-Type": "text/event-stream" } });
    }
    if (url.endsWith("/conversations")) return Response.json(conversations);
    throw new ApiError(404, "No such conversation.");
  });
  return { copilot: createCopilotClient(send), asked, send };
}

function renderPage(copilot: CopilotClient, search = "") {
  return render(<CopilotPage copilot={copilot} workspace={workspace} search={new URLSearchParams(search)} />);
}

beforeEach(() => history.replaceState(null, "", "/workspaces/w1/copilot"));
afterEach(() => vi.restoreAllMocks());

describe("CopilotPage", () => {
  it("offers suggested questions while the conversation is empty", async () => {
    const { copilot } = copilotOver([]);
    renderPage(copilot);
    expect(screen.getByTestId("copilot-empty")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Top 5 campaigns by spend in the last 30 days" })).toBeInTheDocument();
    expect(await screen.findByText("No conversations yet.")).toBeInTheDocument();
  });

  it("draws the answer as its chunks arrive, then the query and the rows behind it", async () => {
    const stream = liveStream();
    const { copilot, asked } = copilotOver([stream]);
    const user = userEvent.setup();
    renderPage(copilot);

    await user.type(screen.getByLabelText("Ask a question"), "spend and roas by platform vs the week before{Enter}");
    expect(asked[0].body).toEqual({ question: "spend and roas by platform vs the week before", conversation_id: null });
    const turn = await screen.findByTestId("copilot-turn");
    expect(turn).toHaveAttribute("data-status", "asking");
    expect(screen.getByRole("button", { name: "Stop" })).toBeInTheDocument();

    await act(async () => {
      stream.send("intent", intent);
      stream.ping();
      stream.send("data", data);
      stream.send("answer", { text: "Spend was €1,634.50, " });
    });
    const answer = within(turn).getByTestId("copilot-answer");
    await waitFor(() => expect(answer).toHaveTextContent("Spend was €1,634.50,"));
    expect(turn).toHaveAttribute("data-status", "streaming");
    expect(answer).toHaveAttribute("aria-busy", "true");

    await act(async () => stream.send("answer", { text: "up 17% on the week before." }));
    await waitFor(() => expect(answer).toHaveTextContent("Spend was €1,634.50, up 17% on the week before."));
    expect(turn).toHaveAttribute("data-status", "streaming");

    await act(async () => {
      stream.send("done", { conversation_id: "c1" });
      stream.close();
    });
    await waitFor(() => expect(turn).toHaveAttribute("data-status", "done"));
    expect(answer).toHaveAttribute("aria-busy", "false");
    expect(screen.getByRole("button", { name: "Ask" })).toBeInTheDocument();
    expect(window.location.search).toBe("?conversation=c1");

    const query = within(turn).getByTestId("copilot-query");
    expect(query).toHaveTextContent("MetricsSpend, Attributed ROAS");
    expect(query).toHaveTextContent("PeriodLast 7 days (Nov 13 – Nov 19, 2026)");
    expect(query).toHaveTextContent("Compared withThe period before (Nov 6 – Nov 12, 2026)");
    expect(query).toHaveTextContent("Broken down byPlatform");
    expect(query).toHaveTextContent("Attribution modelLinear");

    const rows = within(turn).getByTestId("copilot-rows");
    expect(rows).not.toHaveAttribute("open");
    await user.click(within(rows).getByText("2 rows behind this answer"));
    expect(rows).toHaveAttribute("open");
    const bodyRows = within(rows).getAllByRole("row").slice(1);
    expect(bodyRows.map((row) => within(row).getAllByRole("cell").map((cell) => cell.textContent))).toEqual([
      ["Meta", "€1,234.50", "2.50", "+23.5%", "+25%"],
      ["Google", "€400.00", "1.25", "0%", "0%"],
    ]);
  });

  it("keeps the conversation for follow-ups", async () => {
    const first = liveStream();
    const second = liveStream();
    const { copilot, asked } = copilotOver([first, second]);
    const user = userEvent.setup();
    renderPage(copilot);
    await user.type(screen.getByLabelText("Ask a question"), "spend last week{Enter}");
    await act(async () => {
      first.send("intent", intent);
      first.send("data", data);
      first.send("answer", { text: "Spend was €1,634.50." });
      first.send("done", { conversation_id: "c1" });
      first.close();
    });
    await waitFor(() => expect(screen.getByRole("button", { name: "Ask" })).toBeInTheDocument());
    await user.type(screen.getByLabelText("Ask a question"), "and on Google?{Enter}");
    expect(asked[1].body).toEqual({ question: "and on Google?", conversation_id: "c1" });
    expect(screen.getAllByTestId("copilot-turn")).toHaveLength(2);
  });

  it("shows the error event, and the stream cut short as an error", async () => {
    const failing = liveStream();
    const cut = liveStream();
    const { copilot } = copilotOver([failing, cut]);
    const user = userEvent.setup();
    renderPage(copilot);
    await user.type(screen.getByLabelText("Ask a question"), "spend by ad yesterday{Enter}");
    await act(async () => {
      failing.send("intent", intent);
      failing.send("error", { detail: "Hourly figures cannot be broken down by ad." });
      failing.send("done", { conversation_id: "c1" });
      failing.close();
    });
    const [turn] = await screen.findAllByTestId("copilot-turn");
    await waitFor(() => expect(turn).toHaveAttribute("data-status", "error"));
    expect(within(turn).getByRole("alert")).toHaveTextContent("Hourly figures cannot be broken down by ad.");

    await user.type(screen.getByLabelText("Ask a question"), "spend today{Enter}");
    await act(async () => {
      cut.send("intent", intent);
      cut.send("answer", { text: "Spend was" });
      cut.close();
    });
    const second = screen.getAllByTestId("copilot-turn")[1];
    await waitFor(() => expect(second).toHaveAttribute("data-status", "error"));
    expect(within(second).getByRole("alert")).toHaveTextContent("The answer stopped before it was complete.");
    expect(within(second).getByTestId("copilot-answer")).toHaveTextContent("Spend was");
  });

  it("stops the answer being streamed, keeping what arrived", async () => {
    const stream = liveStream();
    const { copilot } = copilotOver([stream]);
    const user = userEvent.setup();
    renderPage(copilot);
    await user.type(screen.getByLabelText("Ask a question"), "spend last week{Enter}");
    await act(async () => {
      stream.send("intent", intent);
      stream.send("answer", { text: "Spend was " });
    });
    const turn = screen.getByTestId("copilot-turn");
    await waitFor(() => expect(within(turn).getByTestId("copilot-answer")).toHaveTextContent("Spend was"));
    await user.click(screen.getByRole("button", { name: "Stop" }));
    await waitFor(() => expect(turn).toHaveAttribute("data-status", "stopped"));
    expect(within(turn).getByTestId("copilot-answer")).toHaveTextContent("Spend was");
    expect(screen.getByLabelText("Ask a question")).toHaveFocus();
  });

  it("opens a past conversation from the history and deletes one", async () => {
    const copilot: CopilotClient = {
      ask: vi.fn(),
      conversations: vi.fn(async () => [
        { id: "c1", title: "spend last week", created_at: "2026-11-20T10:00:00Z", updated_at: "2026-11-20T10:01:00Z" },
        { id: "c2", title: "top campaigns", created_at: "2026-11-19T10:00:00Z", updated_at: "2026-11-19T10:00:00Z" },
      ]),
      conversation: vi.fn(async () => ({
        id: "c1",
        title: "spend last week",
        created_at: "2026-11-20T10:00:00Z",
        updated_at: "2026-11-20T10:01:00Z",
        turns: [
          { question: "spend last week", intent: { query: intent.query }, answer: "Spend was €1,634.50.", created_at: "2026-11-20T10:00:00Z" },
          { question: "write me a poem", intent: { refusal: { reason: "I can answer questions about spend." } }, answer: "I can answer questions about spend.", created_at: "2026-11-20T10:01:00Z" },
        ],
      })),
      deleteConversation: vi.fn(async () => undefined),
    };
    const user = userEvent.setup();
    const { rerender } = renderPage(copilot);
    const history = await screen.findByTestId("copilot-history");
    await user.click(within(history).getByRole("link", { name: "spend last week" }));
    expect(window.location.search).toBe("?conversation=c1");
    rerender(<CopilotPage copilot={copilot} workspace={workspace} search={new URLSearchParams(window.location.search)} />);
    const turns = await screen.findAllByTestId("copilot-turn");
    expect(copilot.conversation).toHaveBeenCalledWith("w1", "c1", expect.any(AbortSignal));
    expect(turns).toHaveLength(2);
    expect(within(turns[0]).getByTestId("copilot-query")).toHaveTextContent("PeriodLast 7 days");
    expect(within(turns[1]).getByTestId("copilot-answer")).toHaveTextContent("I can answer questions about spend.");

    await user.click(screen.getByRole("button", { name: "Delete conversation “top campaigns”" }));
    expect(copilot.deleteConversation).toHaveBeenCalledWith("w1", "c2");
    await waitFor(() => expect(copilot.conversations).toHaveBeenCalledTimes(2));
  });
});
