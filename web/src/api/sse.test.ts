import { describe, expect, it } from "vitest";
import { createSseParser, readEvents, type ServerSentEvent } from "./sse";

function parse(chunks: string[], end = true): ServerSentEvent[] {
  const events: ServerSentEvent[] = [];
  const parser = createSseParser((event) => events.push(event));
  for (const chunk of chunks) parser.feed(chunk);
  if (end) parser.end();
  return events;
}

/** Every way of cutting `text` in two. */
function splits(text: string): string[][] {
  return Array.from({ length: text.length + 1 }, (_, at) => [text.slice(0, at), text.slice(at)]);
}

const STREAM =
  'event: intent\ndata: {"source":"parser"}\n\n: ping\n\nevent: answer\ndata: {"text":"Spend was "}\n\nevent: done\ndata: {"conversation_id":"c1"}\n\n';
const EXPECTED = [
  { event: "intent", data: '{"source":"parser"}' },
  { event: "answer", data: '{"text":"Spend was "}' },
  { event: "done", data: '{"conversation_id":"c1"}' },
];

describe("createSseParser", () => {
  it("reads the same events wherever the chunks are cut", () => {
    for (const chunks of splits(STREAM)) expect(parse(chunks)).toEqual(EXPECTED);
    expect(parse([...STREAM])).toEqual(EXPECTED);
  });

  it("dispatches an event only at its blank line", () => {
    const events: ServerSentEvent[] = [];
    const parser = createSseParser((event) => events.push(event));
    parser.feed("event: answer\ndata: one");
    expect(events).toEqual([]);
    parser.feed("\n");
    expect(events).toEqual([]);
    parser.feed("\n");
    expect(events).toEqual([{ event: "answer", data: "one" }]);
  });

  it("joins multi-line data with newlines and keeps spaces after the first", () => {
    expect(parse(["data: first\ndata:second\ndata:  indented\ndata\n\n"])).toEqual([
      { event: "message", data: "first\nsecond\n indented\n" },
    ]);
  });

  it("skips comments (the keep-alive pings) and events without data", () => {
    expect(parse([": ping\n\n:\n\nevent: intent\n\nretry: 10\nid: 7\ndata: x\n\n"])).toEqual([{ event: "message", data: "x" }]);
  });

  it("reads CRLF and CR line endings, also when a CRLF is cut between chunks", () => {
    const crlf = STREAM.replaceAll("\n", "\r\n");
    for (const chunks of splits(crlf)) expect(parse(chunks)).toEqual(EXPECTED);
    expect(parse([STREAM.replaceAll("\n", "\r")])).toEqual(EXPECTED);
    // A CR that ends the stream ends its line.
    expect(parse(["data: last\r", "\r"])).toEqual([{ event: "message", data: "last" }]);
  });

  it("drops an event the stream ends in the middle of, and a leading byte-order mark", () => {
    expect(parse(["\uFEFFdata: whole\n\ndata: cut"])).toEqual([{ event: "message", data: "whole" }]);
  });
});

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

describe("readEvents", () => {
  it("decodes UTF-8 cut inside a character and yields each event once complete", async () => {
    const bytes = new TextEncoder().encode("event: answer\ndata: 12 € — “ok”\n\n");
    const cut = bytes.indexOf(0xe2) + 1; // inside the euro sign
    const events = [];
    for await (const event of readEvents(streamOf([bytes.slice(0, cut), bytes.slice(cut)]))) events.push(event);
    expect(events).toEqual([{ event: "answer", data: "12 € — “ok”" }]);
  });

  it("yields the first event before the stream has sent the rest", async () => {
    let send!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({ start: (controller) => void (send = controller) });
    const events = readEvents(body);
    send.enqueue(new TextEncoder().encode("event: answer\ndata: first\n\n"));
    expect((await events.next()).value).toEqual({ event: "answer", data: "first" });
    send.enqueue(new TextEncoder().encode("event: done\ndata: {}\n\n"));
    send.close();
    expect((await events.next()).value).toEqual({ event: "done", data: "{}" });
    expect((await events.next()).done).toBe(true);
  });

  it("cancels the body when the reader stops early", async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("data: one\n\ndata: two\n\n"));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const event of readEvents(body)) {
      expect(event.data).toBe("one");
      break;
    }
    expect(cancelled).toBe(true);
  });
});
