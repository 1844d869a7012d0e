-- Used by bench/run.py: stop each thread after BENCH_MAX_REQUESTS responses, count
-- responses whose status is not BENCH_EXPECT, average the server's X-Bench-CPU header,
-- and print one JSON line at the end.
local limit = tonumber(os.getenv("BENCH_MAX_REQUESTS") or "0")
local expect = tonumber(os.getenv("BENCH_EXPECT") or "200")
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  count = 0
  unexpected = 0
  cpu = 0
end

function response(status, headers, body)
  count = count + 1
  cpu = cpu + (tonumber(headers["X-Bench-CPU"]) or 0)
  if status ~= expect then
    unexpected = unexpected + 1
  end
  if limit > 0 and count >= limit then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local bad, cpu_total, counted = 0, 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("unexpected")
    cpu_total = cpu_total + thread:get("cpu")
    counted = counted + thread:get("count")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"unexpected": %d, "socket_errors": %d, "cpu_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(99),
    bad, e.connect + e.read + e.write + e.timeout, counted > 0 and cpu_total / counted or 0))
end
