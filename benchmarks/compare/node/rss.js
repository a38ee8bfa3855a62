'use strict';
// Node's side of ipc-echo.sh's memory row: the resident memory of one idle cluster worker, read from
// /proc one second after it came online, printed as "worker_VmRSS: <n> kB"; then the worker is killed.
// The worker runs nothing but this file's top (node:cluster), so it measures an idle worker.
const cluster = require('node:cluster');

const SETTLE_MS = 1000;

if (cluster.isPrimary) {
  const worker = cluster.fork();
  worker.on('online', () => setTimeout(() => {
    const status = require('node:fs').readFileSync(`/proc/${worker.process.pid}/status`, 'utf8');
    const residentKb = /^VmRSS:\s+(\d+) kB$/m.exec(status)[1];
    console.log(`worker_VmRSS: ${residentKb} kB`);
    worker.kill();
  }, SETTLE_MS));
}
