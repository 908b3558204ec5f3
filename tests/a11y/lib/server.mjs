// The site server of this suite is the browser suites' shared stand-in for the collector
// (../../stand-in-collector.mjs): it serves the built site and records survey posts.
import { startServer } from '../../stand-in-collector.mjs';

/** Starts serving `root` on a free port; resolves to { url, posts, close(), … }. */
export const serve = (root) => startServer(root);
