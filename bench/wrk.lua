-- Used by bench/run.py: stop each thread after BENCH_MAX_REQUESTS responses, count
-- responses whose status is not BENCH_EXPECT, average the server's X-Bench-CPU header,
-- and print one JSON line at the end. With BENCH_FOLLOW=1 it polls a board as htmx
-- does: a 200 hands it the next poller's URL, which the thread asks from then on.
local limit = tonumber(os.getenv("BENCH_MAX_REQUESTS") or "0")
local expect = tonumber(os.getenv("BENCH_EXPECT") or "200")
local follow = os.getenv("BENCH_FOLLOW") == "1"
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  count = 0
  unexpected = 0
  cpu = 0
  changed = 0
  path = nil
end

if follow then  -- only then: wrk sends a fixed request fastest when no request() is defined
  function request()
    if path then
      return wrk.format("GET", path)
    end
    return wrk.request()
  end
end

function response(status, headers, body)
  count = count + 1
  cpu = cpu + (tonumber(headers["X-Bench-CPU"]) or 0)
  local moved = false
  if follow and status == 200 then
    local found = string.match(body, 'id="board%-poll"[^>]*hx%-get="([^"]+)"')
    if found then
      path = string.gsub(found, "&amp;", "&")
      changed = changed + 1
      moved = true
    end
  end
  if status ~= expect and not moved then
    unexpected = unexpected + 1
  end
  if limit > 0 and count >= limit then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local bad, cpu_total, counted, moved = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    moved = moved + thread:get("changed")
    bad = bad + thread:get("unexpected")
    cpu_total = cpu_total + thread:get("cpu")
    counted = counted + thread:get("count")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"unexpected": %d, "socket_errors": %d, "cpu_us": %d, "changed": %d}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(99),
    bad, e.connect + e.read + e.write + e.timeout, counted > 0 and cpu_total / counted or 0, moved))
end
