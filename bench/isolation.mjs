// Session isolation under load: p50/p95 latency of one session's cheap request
// (`POST /auth/login/init {}` in session `bench-fast`) while session `bench-slow` has ten
// requests in flight whose scenario rule runs an expensive regex on a 40,000-character field.
// Starts the server itself. Usage: node bench/isolation.mjs [path/to/dfns-mock] [port]
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = process.argv[2] ?? path.join(root, "target/debug/dfns-mock");
const port = Number(process.argv[3] ?? 18089);
const base = `http://127.0.0.1:${port}`;
const server = spawn(
  bin,
  ["serve", "--port", String(port), "--clock", "2026-06-08T12:00:00Z",
   "--scenarios", path.join(root, "bench/slow-regex")],
  { stdio: "ignore", env: { ...process.env, RUST_LOG: "warn" } },
);
const stop = () => server.kill();
process.on("exit", stop);

for (let i = 0; ; i++) {
  try { if ((await fetch(`${base}/__mock/health`)).ok) break; } catch {}
  if (i > 100) throw new Error("server did not start");
  await new Promise((r) => setTimeout(r, 100));
}

const post = async (session, body, scenario) => {
  const headers = { "content-type": "application/json", "x-dfns-mock-session": session };
  if (scenario) headers["x-dfns-mock-scenario"] = scenario;
  const started = performance.now();
  const res = await fetch(`${base}/auth/login/init`, { method: "POST", headers, body: JSON.stringify(body) });
  await res.arrayBuffer();
  return performance.now() - started;
};
// Non-ASCII text keeps the fast regex engines out (Unicode \b); there is no Q, so it scans it all.
const long = "abcdéfg ".repeat(5000).slice(0, 40_000);
const slowOne = () => post("bench-slow", { username: long }, "slow-regex");
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

// Alone: the cost of one slow request, and of the fast request with nothing else running.
const alone = await slowOne();
const idle = [];
for (let i = 0; i < 20; i++) idle.push(await post("bench-fast", {}));

// Under load, three rounds: ten slow requests in flight, fast requests one after another
// meanwhile.
const loaded = [];
let slowTimes = [];
for (let round = 0; round < 3; round++) {
  const slow = Array.from({ length: 10 }, slowOne);
  let done = false;
  Promise.all(slow).then(() => { done = true; });
  while (!done) loaded.push(await post("bench-fast", {}));
  slowTimes = slowTimes.concat(await Promise.all(slow));
}

const ms = (x) => x.toFixed(1);
console.log(`one slow request alone: ${ms(alone)} ms; ten in flight each took up to ${ms(Math.max(...slowTimes))} ms`);
console.log(`fast session idle:     p50 ${ms(pct(idle, 0.5))} ms (n=${idle.length})`);
console.log(`fast session loaded:   p50 ${ms(pct(loaded, 0.5))} ms, p95 ${ms(pct(loaded, 0.95))} ms (n=${loaded.length})`);
stop();
