'use strict';
// PM2's side of ../reload.sh: an HTTP hello world for PM2's cluster mode (`pm2 start pm2-hello.js -i 2`),
// where PM2's daemon is the cluster primary and runs this file in each worker. Unlike http-hello.js it is
// not a cluster program of its own: PM2 forks, respawns and reloads it.
//
// It shuts down the way PM2's documentation asks ("Graceful Shutdown"): on SIGINT, which `pm2 reload`
// sends to the old worker once its replacement listens, it stops listening and exits once its
// connections are done. It also answers `Connection: close` from then on, so that a keep-alive client is
// told to go elsewhere instead of being cut off (Node 19+'s server.close() already closes the idle ones):
// PM2 at its best, so that the comparison measures the process manager and not a careless app. PM2 still
// SIGKILLs a worker that has not exited `kill_timeout` (1600 ms by default) after the SIGINT.
//
// Knobs (environment): PORT (8080). EVENTS_FILE: when set, each process appends one line per event,
// `<event> id=<pm_id> pid=<pid> t=<ms since the epoch>`: `start` (t = the process's start,
// performance.timeOrigin), `listening` (with ` cpu=<ms>`, the CPU used until then), `stopping` (the
// SIGINT), `exit` (none when PM2 SIGKILLs it at kill_timeout). reload.sh reads the per-worker reload
// time (a replacement's start to its predecessor's exit), the CPU a replacement's start took, and a
// crashed worker's replacement time from them.
const fs = require('node:fs');
const http = require('node:http');
const knobs = require('./knobs');

const port = knobs.wholeNumber('PORT', 8080, 0);
const eventsFile = process.env.EVENTS_FILE;
// PM2 gives each instance an id that its replacement keeps (the old one is renamed _old_<id> in PM2's list).
const id = process.env.pm_id ?? process.env.NODE_APP_INSTANCE ?? '?';

function note(event, t, extra = '') {
  if (eventsFile) fs.appendFileSync(eventsFile, `${event} id=${id} pid=${process.pid} t=${Math.round(t)}${extra}\n`);
}
note('start', performance.timeOrigin);

let closing = false;
const server = http.createServer((request, response) => {
  if (closing) response.setHeader('Connection', 'close');
  response.writeHead(200, { 'Content-Type': 'text/plain' });
  response.end('hello world\n');
});
server.on('error', (error) => {
  console.error(`pm2-hello ${id} cannot listen on port ${port}: ${error.code} (${error.message})`);
  process.exit(1);
});
// cpu: the milliseconds of CPU (user + system) this process had used when it listened: what its start cost.
server.listen(port, () => {
  const used = process.cpuUsage();
  note('listening', Date.now(), ` cpu=${Math.round((used.user + used.system) / 1000)}`);
});

process.on('SIGINT', () => {
  if (closing) return;
  closing = true;
  note('stopping', Date.now());
  server.close(() => {
    note('exit', Date.now());
    process.exit(0);
  });
});
