// The browser suites' stand-in for the collector: a real HTTP server on 127.0.0.1 that serves a
// built site folder and records every POST to /api/answers. Like the collector, it answers the
// widget's JSON with 201 and a form post with 303 to return_to + "#survey-thanks" (site-relative
// paths only, never an open redirect). It stores nothing on disk. No npm imports.
import http from "node:http";
import fs from "node:fs/promises";
import path from "node:path";

const TYPES = {
  ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json", ".xml": "application/xml; charset=utf-8",
  ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
  ".webp": "image/webp", ".ico": "image/x-icon", ".txt": "text/plain; charset=utf-8",
  ".wasm": "application/wasm", ".woff2": "font/woff2", ".pdf": "application/pdf",
};

// Records the post (raw body, and parsed as JSON or form fields) and answers as the collector.
async function answer(req, res, posts) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const body = Buffer.concat(chunks).toString("utf8");
  const type = req.headers["content-type"] || "";
  const post = { type, contentType: type, body };
  posts.push(post);
  if (type.startsWith("application/x-www-form-urlencoded")) {
    post.form = Object.fromEntries(new URLSearchParams(body));
    const back = post.form.return_to || "/";
    const safe = back.startsWith("/") && !back.startsWith("//") ? back : "/";
    res.writeHead(303, { Location: `${safe}#survey-thanks` });
    return res.end();
  }
  try {
    post.json = JSON.parse(body);
  } catch {
    res.writeHead(400);
    return res.end("bad json");
  }
  res.writeHead(201, { "Content-Type": "application/json" });
  return res.end('{"ok":true}');
}

// Serves a file of the site, a folder's index.html, or the site's 404 page.
async function file(req, res, base, pathname) {
  let target = path.join(base, pathname);
  if (!target.startsWith(base)) {
    res.writeHead(403);
    return res.end();
  }
  let stat = await fs.stat(target).catch(() => null);
  if (stat?.isDirectory()) {
    if (!pathname.endsWith("/")) {
      res.writeHead(301, { Location: pathname + "/" });
      return res.end();
    }
    target = path.join(target, "index.html");
    stat = await fs.stat(target).catch(() => null);
  }
  if (!stat?.isFile()) {
    const nf = await fs.readFile(path.join(base, "404.html")).catch(() => Buffer.from("not found"));
    res.writeHead(404, { "Content-Type": "text/html; charset=utf-8" });
    return res.end(req.method === "HEAD" ? undefined : nf);
  }
  const bytes = await fs.readFile(target);
  res.writeHead(200, {
    "Content-Type": TYPES[path.extname(target).toLowerCase()] || "application/octet-stream",
    "Content-Length": bytes.length,
    "Cache-Control": "max-age=3600",
  });
  return res.end(req.method === "HEAD" ? undefined : bytes);
}

/**
 * Starts serving `root`; `port` 0 picks a free one. Resolves to { url, port, posts, requests,
 * stop(), close() }: `posts` holds { type, contentType, body, json | form } per answer,
 * `requests` every path asked for; `stop` (alias `close`) cuts open connections too, as a crashed
 * collector would.
 */
export async function startServer(root, port = 0) {
  const base = path.resolve(root);
  const posts = [];
  const requests = [];
  const server = http.createServer(async (req, res) => {
    try {
      const u = new URL(req.url, "http://127.0.0.1");
      requests.push(u.pathname);
      if (u.pathname === "/api/answers") {
        if (req.method === "POST") return await answer(req, res, posts);
        res.writeHead(405, { Allow: "POST" });
        return res.end();
      }
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { Allow: "GET, HEAD" });
        return res.end();
      }
      return await file(req, res, base, decodeURIComponent(u.pathname));
    } catch (e) {
      res.writeHead(500);
      res.end(String(e));
    }
  });
  await new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", ok);
  });
  const actual = server.address().port;
  const stop = () =>
    new Promise((ok) => {
      server.close(() => ok());
      server.closeAllConnections();
    });
  return { url: `http://127.0.0.1:${actual}`, port: actual, posts, requests, stop, close: stop };
}
