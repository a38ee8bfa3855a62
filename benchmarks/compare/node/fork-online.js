'use strict';
// Node's side of ipc-echo.sh's fork row: how long WORKERS workers (default 4) take from the first
// fork() until every one is online, printed as "all_online_ms <ms>"; then how long from there until
// every one has exited after cluster.disconnect(), as "all_exited_ms <ms>". Workers do nothing: their
// IPC channel alone keeps them alive until the disconnect.
const cluster = require('node:cluster');

if (cluster.isPrimary) {
  const workerCount = require('./knobs').wholeNumber('WORKERS', 4, 1);
  const msSince = (start) => Number(process.hrtime.bigint() - start) / 1e6;

  const forkStarted = process.hrtime.bigint();
  let allOnlineAt = 0n;
  let online = 0;
  let exited = 0;
  cluster.on('online', () => {
    if (++online < workerCount) return;
    allOnlineAt = process.hrtime.bigint();
    console.log(`all_online_ms ${msSince(forkStarted)}`);
    cluster.disconnect();
  });
  cluster.on('exit', () => {
    if (++exited === workerCount) console.log(`all_exited_ms ${msSince(allOnlineAt)}`);
  });
  for (let i = 0; i < workerCount; i++) cluster.fork();
}
