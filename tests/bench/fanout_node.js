// fanout_node.js PORT: the guides' chat as plain Node (an in-memory set
// of responses), the baseline of bench_fanout.sh.  No dependencies.
"use strict";
const http = require("http");
const clients = new Set();
http.createServer((req, res) => {
  if (req.method === "GET" && req.url.startsWith("/chat/events")) {
    res.writeHead(200, { "Content-Type": "text/event-stream",
      "Cache-Control": "no-cache" });
    res.write('event: welcome\ndata: {"message":"Connected to chat"}\n\n');
    clients.add(res);
    req.on("close", () => clients.delete(res));
    return;
  }
  if (req.method === "POST" && req.url.startsWith("/chat/send")) {
    let body = "";
    req.on("data", (c) => { body += c; });
    req.on("end", () => {
      let m;
      try { m = JSON.parse(body); } catch (e) { m = null; }
      if (!m || !m.message || !m.username) {
        res.writeHead(400); res.end(); return;
      }
      const line = "event: message\ndata: " + JSON.stringify(m) + "\n\n";
      for (const c of clients) c.write(line);
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end('{"success":true}');
    });
    return;
  }
  res.writeHead(404); res.end();
}).listen(Number(process.argv[2]), "127.0.0.1");
