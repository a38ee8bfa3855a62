// What Node pays for JSON per IPC message, for the object of ipc-echo.sh (4 items): JSON.stringify
// into a Buffer (as Node's channel writes it) and JSON.parse of the received text. The jcluster side
// of the comparison is SerializationBenchmark's json/echo4 rows (JMH). Prints ns per operation, the
// median of ROUNDS (default 7) rounds of N (default 200000) operations each.
const n = Number(process.env.N || 200000), rounds = Number(process.env.ROUNDS || 7);
const m = { cmd: 'echo', items: Array.from({ length: 4 }, (_, i) => ({ id: i, name: 'item' + i, ok: true })) };
const wire = Buffer.from(JSON.stringify(m) + '\n');
const median = (a) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)];
const enc = [], dec = [];
let sink = 0;
for (let r = 0; r < rounds; r++) {
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sink += Buffer.from(JSON.stringify(m) + '\n').length;
  let t1 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sink += JSON.parse(wire.toString('utf8', 0, wire.length - 1)).items.length;
  let t2 = process.hrtime.bigint();
  enc.push(Number(t1 - t0) / n); dec.push(Number(t2 - t1) / n);
}
console.log(`node json echo4 encode_ns ${median(enc).toFixed(0)} decode_ns ${median(dec).toFixed(0)} bytes ${wire.length} (${sink > 0})`);
