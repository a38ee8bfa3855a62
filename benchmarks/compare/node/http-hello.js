'use strict';
// Node's side of the HTTP comparisons (http-common.sh): Node's cluster HTTP hello world, WORKERS workers
// (default 2) sharing PORT (default 8080) under POLICY rr|none (default rr). Every response is a 200
// with the body "hello world\n".
//
// The primary prints "ready <port>" once every worker listens. On SIGTERM it asks each worker for the
// requests it answered, and half a second later prints "dist <n1> <n2> ..." (by worker id; a worker
// that has not answered by then is left out) and exits 0. A worker that cannot listen prints the error
// (EADDRINUSE for a port taken meanwhile: http-common.sh then tries another port) and exits 1; the
// primary then stops the other workers and exits 1.
const cluster = require('node:cluster');
const knobs = require('./knobs');

const port = knobs.wholeNumber('PORT', 8080, 0);
const REPORT_WAIT_MS = 500;

if (cluster.isPrimary) {
  const workerCount = knobs.wholeNumber('WORKERS', 2, 1);
  // Set before the first fork, which fixes it.
  cluster.schedulingPolicy = knobs.oneOf('POLICY', ['rr', 'none']) === 'none' ? cluster.SCHED_NONE : cluster.SCHED_RR;

  const requestsByWorker = new Map();
  let listening = 0;
  let stopping = false;
  cluster.on('listening', (worker, address) => {
    listening++;
    if (listening === workerCount) console.log(`ready ${address.port}`); // the real one, also after PORT=0
  });
  cluster.on('message', (worker, message) => {
    if (message && typeof message.requests === 'number') requestsByWorker.set(worker.id, message.requests);
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    stopping = true;
    console.error(`worker ${worker.id} exited with ${code ?? signal}: the primary stops the others and exits 1`);
    // The primary ends once they are gone; exiting at once would cut the channel of a worker still
    // starting, which then dies with an EPIPE trace instead of this one line.
    process.exitCode = 1;
    for (const other of Object.values(cluster.workers)) other.process.kill();
  });
  process.on('SIGTERM', () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers)) {
      // A worker that died meanwhile has no count to give: the callback takes the send's error.
      if (worker.isConnected()) worker.send('report', () => {});
    }
    setTimeout(() => {
      const counts = [...requestsByWorker.keys()].sort((a, b) => a - b).map((id) => requestsByWorker.get(id));
      console.log(`dist ${counts.join(' ')}`);
      process.exit(0);
    }, REPORT_WAIT_MS);
  });
  for (let i = 0; i < workerCount; i++) cluster.fork();
} else {
  const http = require('node:http');
  let requests = 0;
  const server = http.createServer((request, response) => {
    requests++;
    response.writeHead(200);
    response.end('hello world\n');
  });
  server.on('error', (error) => {
    console.error(`worker ${cluster.worker.id} cannot listen on port ${port}: ${error.code} (${error.message})`);
    process.exit(1);
  });
  server.listen(port);
  process.on('message', (message) => {
    if (message === 'report') process.send({ requests });
  });
}
