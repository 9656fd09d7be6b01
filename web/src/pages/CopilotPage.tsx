import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import type { Workspace } from "../api/client";
import type { AnswerData, Conversation, CopilotClient, Intent } from "../api/copilot";
import { AnswerRows, QuerySummary } from "../components/CopilotQuery";
import { ErrorState, Loading } from "../components/States";
import { navigate } from "../router";
import { useAsync, type AsyncState } from "../useAsync";

// Questions the parser understands without a model, so they answer on any deployment.
export const SUGGESTED_QUESTIONS = [
  "What was my spend by platform in the last 7 days?",
  "ROAS on Meta last week vs the week before",
  "Top 5 campaigns by spend in the last 30 days",
  "Daily spend and revenue this month",
];

type TurnStatus = "asking" | "streaming" | "done" | "error" | "stopped";

interface Turn {
  key: string;
  question: string;
  status: TurnStatus;
  intent?: Pick<Intent, "query" | "refusal" | "period" | "comparison_period">;
  data?: AnswerData;
  answer: string;
  error?: string;
  /** A past conversation's turn: its rows are not kept. */
  past?: boolean;
}

const CONVERSATION_PARAM = "conversation";

function conversationUrl(conversationId: string | null): string {
  const search = new URLSearchParams(window.location.search);
  if (conversationId) search.set(CONVERSATION_PARAM, conversationId);
  else search.delete(CONVERSATION_PARAM);
  const query = search.toString();
  return window.location.pathname + (query ? `?${query}` : "");
}

let turnCount = 0;
const nextKey = () => `turn-${++turnCount}`;

export function CopilotPage({ copilot, workspace, search }: { copilot: CopilotClient; workspace: Workspace; search: URLSearchParams }) {
  const requested = search.get(CONVERSATION_PARAM);
  const [turns, setTurns] = useState<Turn[]>([]);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [loadingConversation, setLoadingConversation] = useState(false);
  const [question, setQuestion] = useState("");
  const [historyVersion, setHistoryVersion] = useState(0);
  // The conversation whose turns are on the page (null: a new one); follow-ups continue it.
  const shown = useRef<string | null>(null);
  const running = useRef<AbortController | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const streaming = turns.some((turn) => turn.status === "asking" || turn.status === "streaming");

  const history = useAsync((signal) => copilot.conversations(workspace.id, signal), `${workspace.id}:${historyVersion}`);

  // Leaving the page (or the workspace) stops the answer being streamed.
  useEffect(() => () => running.current?.abort(), [workspace.id]);

  // The URL names the conversation on the page: open it unless it is the one already shown.
  useEffect(() => {
    if (requested === shown.current) return;
    running.current?.abort();
    setLoadError(null);
    setTurns([]);
    if (!requested) {
      shown.current = null;
      return;
    }
    const controller = new AbortController();
    setLoadingConversation(true);
    copilot.conversation(workspace.id, requested, controller.signal).then(
      (detail) => {
        if (controller.signal.aborted) return;
        shown.current = requested;
        setLoadingConversation(false);
        setTurns(
          detail.turns.map((turn) => ({
            key: nextKey(),
            question: turn.question,
            status: "done",
            answer: turn.answer,
            intent: turn.intent as Turn["intent"],
            past: true,
          })),
        );
      },
      (error: Error) => {
        if (controller.signal.aborted) return;
        // Nothing of it is on the page: a question asked now starts a new conversation.
        shown.current = null;
        setLoadingConversation(false);
        setLoadError(error.message);
      },
    );
    return () => controller.abort();
  }, [copilot, workspace.id, requested]);

  const update = (key: string, change: (turn: Turn) => Partial<Turn>) =>
    setTurns((current) => current.map((turn) => (turn.key === key ? { ...turn, ...change(turn) } : turn)));

  const ask = useCallback(
    async (text: string) => {
      const asked = text.trim();
      if (!asked || running.current || loadingConversation) return;
      const key = nextKey();
      const controller = new AbortController();
      running.current = controller;
      setQuestion("");
      setTurns((current) => [...current, { key, question: asked, status: "asking", answer: "" }]);
      try {
        for await (const event of copilot.ask(workspace.id, asked, shown.current, controller.signal)) {
          if (event.type === "intent") update(key, () => ({ intent: event.intent, status: "streaming" }));
          else if (event.type === "data") update(key, () => ({ data: event.data }));
          else if (event.type === "answer") update(key, (turn) => ({ answer: turn.answer + event.text }));
          else if (event.type === "error") update(key, () => ({ status: "error", error: event.detail }));
          else if (event.type === "done") {
            update(key, (turn) => ({ status: turn.status === "error" ? "error" : "done" }));
            if (shown.current !== event.conversationId) {
              shown.current = event.conversationId;
              navigate(conversationUrl(event.conversationId), true);
            }
            setHistoryVersion((version) => version + 1);
          }
        }
        // A stream cut short of `done` (the server went away) is not a complete answer.
        update(key, (turn) =>
          turn.status === "asking" || turn.status === "streaming" ? { status: "error", error: "The answer stopped before it was complete." } : {},
        );
      } catch (error) {
        if (controller.signal.aborted) update(key, () => ({ status: "stopped" }));
        else update(key, () => ({ status: "error", error: (error as Error).message }));
      } finally {
        if (running.current === controller) running.current = null;
        input.current?.focus();
      }
    },
    [copilot, workspace.id, loadingConversation],
  );

  const stop = () => running.current?.abort();

  const startNew = () => {
    running.current?.abort();
    navigate(conversationUrl(null));
    input.current?.focus();
  };

  const remove = async (conversationId: string) => {
    try {
      await copilot.deleteConversation(workspace.id, conversationId);
    } catch (error) {
      setLoadError(`Could not delete the conversation: ${(error as Error).message}`);
      return;
    }
    if (shown.current === conversationId) navigate(conversationUrl(null), true);
    setHistoryVersion((version) => version + 1);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void ask(question);
  };

  // The newest turn scrolls into view when it starts.
  const lastKey = turns.at(-1)?.key;
  useEffect(() => {
    if (lastKey) document.getElementById(lastKey)?.scrollIntoView?.({ block: "nearest" });
  }, [lastKey]);

  return (
    <div className="grid gap-6 lg:grid-cols-[16rem_1fr]">
      <aside aria-labelledby="history-heading" className="order-2 lg:order-1">
        <div className="flex items-center justify-between gap-2">
          <h2 id="history-heading" className="text-sm font-semibold uppercase tracking-wide text-slate-700">
            Conversations
          </h2>
          <button
            type="button"
            onClick={startNew}
            className="rounded-md border border-slate-400 px-2 py-1 text-sm font-medium text-slate-800 hover:bg-slate-100"
          >
            New
          </button>
        </div>
        <ConversationList history={history} current={requested} onDelete={remove} />
      </aside>

      <section aria-labelledby="copilot-heading" className="order-1 flex min-w-0 flex-col gap-4 lg:order-2">
        <div>
          <h1 id="copilot-heading" className="text-2xl font-bold tracking-tight text-slate-900">
            Copilot
          </h1>
          <p className="text-sm text-slate-700">
            Ask about spend, revenue, ROAS and more in {workspace.name}: each answer shows what it read and the rows behind it. Figures in{" "}
            {workspace.currency}, days in {workspace.timezone}.
          </p>
        </div>

        {loadError && <ErrorState title="Could not open the conversation" detail={loadError} />}
        {loadingConversation && <Loading label="Opening the conversation…" />}

        {turns.length === 0 && !loadingConversation && !loadError && (
          <div data-testid="copilot-empty" className="rounded-lg border border-dashed border-slate-300 bg-white p-4">
            <p className="font-semibold text-slate-900">Ask your first question</p>
            <p className="mt-1 text-sm text-slate-700">For example:</p>
            <ul className="mt-2 flex flex-wrap gap-2">
              {SUGGESTED_QUESTIONS.map((suggestion) => (
                <li key={suggestion}>
                  <button
                    type="button"
                    onClick={() => void ask(suggestion)}
                    className="rounded-full border border-indigo-300 bg-indigo-50 px-3 py-1 text-left text-sm text-indigo-900 hover:bg-indigo-100"
                  >
                    {suggestion}
                  </button>
                </li>
              ))}
            </ul>
          </div>
        )}

        <ol className="flex flex-col gap-4" aria-label="Questions and answers">
          {turns.map((turn) => (
            <TurnView key={turn.key} turn={turn} />
          ))}
        </ol>

        <form onSubmit={submit} className="sticky bottom-0 flex flex-col gap-2 border-t border-slate-200 bg-slate-50 py-3 sm:flex-row sm:items-end">
          <label htmlFor="copilot-question" className="sr-only">
            Ask a question
          </label>
          <textarea
            id="copilot-question"
            ref={input}
            rows={2}
            value={question}
            maxLength={2000}
            onChange={(event) => setQuestion(event.target.value)}
            onKeyDown={(event) => {
              // Enter asks; Shift+Enter is a new line.
              if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
                event.preventDefault();
                void ask(question);
              }
            }}
            placeholder={shown.current ? "Ask a follow-up, e.g. “and on Google?”" : "Ask a question, e.g. “spend by platform last week”"}
            className="min-h-[2.75rem] flex-1 resize-y rounded-md border border-slate-400 bg-white px-3 py-2 text-slate-900 placeholder:text-slate-600"
          />
          {streaming ? (
            <button type="button" onClick={stop} className="rounded-md bg-red-800 px-4 py-2 font-medium text-white hover:bg-red-900">
              Stop
            </button>
          ) : (
            <button
              type="submit"
              disabled={!question.trim()}
              className="rounded-md bg-indigo-700 px-4 py-2 font-medium text-white hover:bg-indigo-800 disabled:bg-slate-400 disabled:text-slate-900"
            >
              Ask
            </button>
          )}
        </form>
      </section>
    </div>
  );
}

function ConversationList({
  history,
  current,
  onDelete,
}: {
  history: AsyncState<Conversation[]> & { retry: () => void };
  current: string | null;
  onDelete: (conversationId: string) => void;
}) {
  if (history.status === "loading") return <Loading label="Loading conversations…" />;
  if (history.status === "error") return <ErrorState title="Could not load your conversations" detail={history.error.message} onRetry={history.retry} />;
  if (history.value.length === 0) return <p className="mt-2 text-sm text-slate-700">No conversations yet.</p>;
  return (
    <ul data-testid="copilot-history" className="mt-2 flex flex-col gap-1">
      {history.value.map((conversation) => (
        <li key={conversation.id} className="flex items-center gap-1">
          <a
            href={conversationUrl(conversation.id)}
            aria-current={conversation.id === current ? "page" : undefined}
            onClick={(event) => {
              if (event.metaKey || event.ctrlKey || event.shiftKey) return;
              event.preventDefault();
              navigate(conversationUrl(conversation.id));
            }}
            className={`min-w-0 flex-1 truncate rounded-md px-2 py-1.5 text-sm ${
              conversation.id === current ? "bg-indigo-700 text-white" : "text-slate-900 hover:bg-slate-200"
            }`}
            title={conversation.title}
          >
            {conversation.title}
          </a>
          <button
            type="button"
            onClick={() => onDelete(conversation.id)}
            aria-label={`Delete conversation “${conversation.title}”`}
            className="rounded-md px-2 py-1 text-sm text-slate-700 hover:bg-red-100 hover:text-red-900"
          >
            <span aria-hidden>✕</span>
          </button>
        </li>
      ))}
    </ul>
  );
}

function TurnView({ turn }: { turn: Turn }) {
  const pending = turn.status === "asking" || turn.status === "streaming";
  const query = turn.intent?.query;
  const refusal = turn.intent?.refusal;
  return (
    <li id={turn.key} data-testid="copilot-turn" data-status={turn.status} className="flex flex-col gap-2">
      <p className="self-end rounded-lg bg-indigo-700 px-3 py-2 text-white sm:max-w-[80%]">{turn.question}</p>
      <div className="rounded-lg border border-slate-200 bg-white p-3 shadow-sm">
        {turn.status === "asking" && !turn.answer && <Loading label="Reading your question…" />}
        <div data-testid="copilot-answer" aria-live="polite" aria-busy={pending} className="whitespace-pre-wrap text-slate-900">
          {turn.answer}
          {pending && turn.status === "streaming" && (
            <span aria-hidden className="ml-0.5 inline-block h-4 w-2 animate-pulse bg-indigo-700 align-middle" />
          )}
        </div>
        {turn.status === "streaming" && !turn.answer && <p className="text-sm text-slate-700">Fetching the figures…</p>}
        {turn.status === "stopped" && <p className="mt-2 text-sm text-slate-700">Stopped. This answer is not kept in the conversation.</p>}
        {turn.status === "error" && (
          <div className="mt-2">
            <ErrorState title="The copilot could not answer" detail={turn.error ?? "Something went wrong."} />
          </div>
        )}
        {query && (
          <div className="mt-3 flex flex-col gap-2 border-t border-slate-100 pt-3">
            <QuerySummary query={query} data={turn.data} period={turn.intent?.period} comparison={turn.intent?.comparison_period} />
            {turn.data && <AnswerRows data={turn.data} />}
            {turn.past && <p className="text-xs text-slate-700">The rows of past answers are not kept: ask again to see them.</p>}
          </div>
        )}
        {refusal && !query && <p className="mt-2 text-sm text-slate-700">This question is outside what the copilot can read.</p>}
      </div>
    </li>
  );
}
