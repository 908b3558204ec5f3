// A tiny static file server for a built site folder, bound to 127.0.0.1 on a free port.
// It also accepts survey answers at POST /api/answers the way the collector's contract says
// (a form post gets 303 to return_to + "#survey-thanks"; the widget's JSON gets 201) and
// records each post so tests can assert what the browser sent. It stores nothing on disk.
import http from 'node:http';
import fs from 'node:fs/promises';
import path from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json', '.xml': 'application/xml; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg',
  '.webp': 'image/webp', '.ico': 'image/x-icon', '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm', '.woff2': 'font/woff2', '.pdf': 'application/pdf',
};

/** Starts serving `root`; resolves to { url, posts, close() }. */
export async function serve(root) {
  const base = path.resolve(root);
  const posts = [];
  const server = http.createServer(async (req, res) => {
    try {
      const u = new URL(req.url, 'http://127.0.0.1');
      if (req.method === 'POST' && u.pathname === '/api/answers') {
        const chunks = [];
        for await (const c of req) chunks.push(c);
        const body = Buffer.concat(chunks).toString('utf8');
        const contentType = req.headers['content-type'] || '';
        if (contentType.startsWith('application/json')) {
          let json;
          try { json = JSON.parse(body); } catch { res.writeHead(400); return res.end('bad json'); }
          posts.push({ contentType, json });
          res.writeHead(201, { 'Content-Type': 'application/json' });
          return res.end('{"ok":true}');
        }
        const form = Object.fromEntries(new URLSearchParams(body));
        posts.push({ contentType, form });
        const back = form.return_to || '/';
        // Same rule as the collector: only site-relative paths, never an open redirect.
        const safe = back.startsWith('/') && !back.startsWith('//') ? back : '/';
        res.writeHead(303, { Location: `${safe}#survey-thanks` });
        return res.end();
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD' });
        return res.end();
      }
      let rel = decodeURIComponent(u.pathname);
      let file = path.join(base, rel);
      if (!file.startsWith(base)) { res.writeHead(403); return res.end(); }
      let stat = await fs.stat(file).catch(() => null);
      if (stat?.isDirectory()) {
        if (!rel.endsWith('/')) { res.writeHead(301, { Location: rel + '/' }); return res.end(); }
        file = path.join(file, 'index.html');
        stat = await fs.stat(file).catch(() => null);
      }
      if (!stat?.isFile()) {
        const nf = await fs.readFile(path.join(base, '404.html')).catch(() => Buffer.from('not found'));
        res.writeHead(404, { 'Content-Type': 'text/html; charset=utf-8' });
        return res.end(req.method === 'HEAD' ? undefined : nf);
      }
      const type = TYPES[path.extname(file).toLowerCase()] || 'application/octet-stream';
      const body = await fs.readFile(file);
      res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length, 'Cache-Control': 'max-age=3600' });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (e) {
      res.writeHead(500); res.end(String(e));
    }
  });
  await new Promise((ok, fail) => { server.once('error', fail); server.listen(0, '127.0.0.1', ok); });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    posts,
    close: () => new Promise((ok) => { server.closeAllConnections?.(); server.close(() => ok()); }),
  };
}
