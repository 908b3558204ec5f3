// A stand-in for the collector in the browser tests: a real HTTP server on 127.0.0.1 that
// serves a built site folder and records every POST to /api/answers. Like the collector, it
// answers JSON with 201 and a form post with 303 to return_to + "#survey-thanks".
import http from "node:http";
import fs from "node:fs/promises";
import path from "node:path";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".xml": "application/xml",
  ".txt": "text/plain; charset=utf-8",
};

/** Starts the server; `port` 0 picks a free one. Returns { url, port, posts, requests, stop }. */
export async function startServer(root, port = 0) {
  const posts = [];
  const requests = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    requests.push(url.pathname);
    if (url.pathname === "/api/answers") {
      if (req.method !== "POST") {
        res.writeHead(405).end();
        return;
      }
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const body = Buffer.concat(chunks).toString("utf8");
      const type = req.headers["content-type"] || "";
      posts.push({ type, body });
      if (type.startsWith("application/x-www-form-urlencoded")) {
        const back = new URLSearchParams(body).get("return_to") || "/";
        const safe = back.startsWith("/") && !back.startsWith("//") ? back : "/";
        res.writeHead(303, { Location: safe + "#survey-thanks" }).end();
      } else {
        res.writeHead(201, { "Content-Type": "application/json" }).end('{"ok":true}');
      }
      return;
    }
    let file = path.join(root, decodeURIComponent(url.pathname));
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if ((await fs.stat(file)).isDirectory()) file = path.join(file, "index.html");
      const bytes = await fs.readFile(file);
      res.writeHead(200, { "Content-Type": TYPES[path.extname(file)] || "application/octet-stream" });
      res.end(bytes);
    } catch {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
    }
  });
  await new Promise((ok, err) => {
    server.once("error", err);
    server.listen(port, "127.0.0.1", ok);
  });
  const actual = server.address().port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    posts,
    requests,
    /** Stops listening and cuts open connections, as a crashed collector would. */
    stop: () =>
      new Promise((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}
