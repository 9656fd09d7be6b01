// The copilot's routes: its question answered as a stream of Server-Sent Events, and the
// conversations kept per user. The streamed events are not in the OpenAPI document (it describes
// the stream in prose, api/copilot/router.py): their payloads are typed here.
import type { Send } from "./client";
import type { components } from "./schema";
import { readEvents } from "./sse";

type Schemas = components["schemas"];
export type Intent = Schemas["IntentOut"];
export type StructuredQuery = Schemas["StructuredQuery"];
export type Period = Schemas["PeriodOut"];
export type Conversation = Schemas["ConversationOut"];
export type ConversationDetail = Schemas["ConversationDetailOut"];
export type MetricUnit = "money" | "ratio" | "quantity";

/** A metric the answer used, as the semantic layer defines it. */
export interface MetricUsed {
  name: string;
  semantic_name: string;
  label: string;
  description: string;
  formula: string;
  unit: MetricUnit;
}

type Value = string | number | null;

export interface DataRow {
  date: string | null;
  /** By breakdown (`provider`, `campaign`, `ad_set`, `ad`, `hour`). */
  dimensions: Record<string, Value>;
  /** By the query's metric names; money as decimal strings. */
  values: Record<string, Value>;
  previous?: Record<string, Value>;
  change_pct?: Record<string, number | null>;
}

/** The `data` event: the rows behind the answer. */
export interface AnswerData {
  currency: string;
  period: Period;
  comparison_period: Period | null;
  metrics: MetricUsed[];
  group_by: string[];
  rows: DataRow[];
}

export type AskEvent =
  | { type: "intent"; intent: Intent }
  | { type: "data"; data: AnswerData }
  | { type: "answer"; text: string }
  | { type: "error"; detail: string }
  | { type: "done"; conversationId: string };

export interface CopilotClient {
  /** The events of one question as they arrive; abort `signal` to stop the answer. */
  ask(workspaceId: string, question: string, conversationId: string | null, signal: AbortSignal): AsyncGenerator<AskEvent>;
  conversations(workspaceId: string, signal?: AbortSignal): Promise<Conversation[]>;
  conversation(workspaceId: string, conversationId: string, signal?: AbortSignal): Promise<ConversationDetail>;
  deleteConversation(workspaceId: string, conversationId: string): Promise<void>;
}

export function createCopilotClient(send: Send): CopilotClient {
  const base = (workspaceId: string) => `/v1/workspaces/${encodeURIComponent(workspaceId)}/copilot`;
  return {
    async *ask(workspaceId, question, conversationId, signal) {
      const body: Schemas["AskIn"] = { question, conversation_id: conversationId };
      const response = await send(`${base(workspaceId)}/ask`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify(body),
        signal,
      });
      if (!response.body) throw new Error("The answer could not be read.");
      for await (const { event, data } of readEvents(response.body)) {
        const payload = JSON.parse(data);
        if (event === "intent") yield { type: "intent", intent: payload as Intent };
        else if (event === "data") yield { type: "data", data: payload as AnswerData };
        else if (event === "answer") yield { type: "answer", text: String(payload.text ?? "") };
        else if (event === "error") yield { type: "error", detail: String(payload.detail ?? "The question failed.") };
        else if (event === "done") yield { type: "done", conversationId: String(payload.conversation_id) };
      }
    },
    conversations: async (workspaceId, signal) =>
      (await (await send(`${base(workspaceId)}/conversations`, { signal })).json()) as Conversation[],
    conversation: async (workspaceId, conversationId, signal) =>
      (await (
        await send(`${base(workspaceId)}/conversations/${encodeURIComponent(conversationId)}`, { signal })
      ).json()) as ConversationDetail,
    deleteConversation: async (workspaceId, conversationId) => {
      await send(`${base(workspaceId)}/conversations/${encodeURIComponent(conversationId)}`, { method: "DELETE" });
    },
  };
}
