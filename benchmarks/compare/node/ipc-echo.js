'use strict';
// Node's side of ipc-echo.sh: round trips between a cluster primary and one worker, which sends every
// message straight back (the shape of Node's own benchmark/cluster/echo.js). The primary keeps INFLIGHT
// messages outstanding: each answer is counted and replaced by a new message, until DURATION seconds
// have passed since the worker came online; then it prints "roundtrips_per_s <n>" and kills the worker.
//
// Knobs: SERIALIZATION json|advanced (default json), PAYLOAD string|object (default string), LEN (the
// string's characters, or the object's items; default 64), INFLIGHT (default 1), DURATION (s, default 5).
// The object is {cmd: 'echo', items: [{id, name: 'item<id>', ok: true}, ...]}, as in jcluster's EchoBench.
const cluster = require('node:cluster');

if (cluster.isWorker) {
  process.on('message', (message) => process.send(message));
} else {
  const knobs = require('./knobs');
  const serialization = knobs.oneOf('SERIALIZATION', ['json', 'advanced']);
  const payloadKind = knobs.oneOf('PAYLOAD', ['string', 'object']);
  const length = knobs.wholeNumber('LEN', 64, 0);
  const inFlight = knobs.wholeNumber('INFLIGHT', 1, 1);
  const durationNs = BigInt(Math.round(knobs.positiveNumber('DURATION', 5) * 1e9));

  const payload = payloadKind === 'object'
    ? { cmd: 'echo', items: [...Array(length).keys()].map((id) => ({ id, name: `item${id}`, ok: true })) }
    : 'x'.repeat(length);

  cluster.setupPrimary({ serialization });
  const worker = cluster.fork();
  let started = 0n;
  let roundTrips = 0;
  let reported = false;

  worker.on('online', () => {
    started = process.hrtime.bigint();
    for (let i = 0; i < inFlight; i++) worker.send(payload);
  });
  worker.on('message', () => {
    if (reported) return; // answers still in flight after the report
    roundTrips++;
    const elapsedNs = process.hrtime.bigint() - started;
    if (elapsedNs < durationNs) {
      worker.send(payload);
      return;
    }
    reported = true;
    console.log(`roundtrips_per_s ${Math.round(roundTrips / (Number(elapsedNs) / 1e9))}`);
    worker.kill();
  });
}
