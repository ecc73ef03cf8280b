-- wrk script for tests/bench/polling.py: each wrk thread owns one connection and plays one client
-- polling one path at a fixed rate (open loop), with its own token and, if asked, If-None-Match.
--
-- Plain wrk is closed loop: it sends the next request when the previous answer arrives, so a slow
-- answer silently delays the requests behind it (coordinated omission). Here every request has a
-- due time on a fixed schedule (start + phase + k * period) and its latency is counted from that
-- due time, not from when it was sent: a late answer makes the next request late, and that wait
-- is counted too (as wrk2 does).
--
-- Input (WRK_CLIENTS, one client per line, tab-separated): route, path, token, phase ms,
-- period ms, conditional (1: send If-None-Match with the last ETag seen). Output (WRK_OUT):
-- "lat<TAB>route<TAB>ms" per answer and "code<TAB>route<TAB>status<TAB>count<TAB>bytes".

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } scribe_timespec;
  int clock_gettime(int clock_id, scribe_timespec *tp);
]]
local clock = ffi.new("scribe_timespec")
local CLOCK_MONOTONIC = 1

local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end

-- Main state: hand one client to each thread.
local clients = {}
local threads = {}
for line in io.lines(os.getenv("WRK_CLIENTS")) do
  local route, path, token, phase, period, conditional = line:match("^(%S+)\t(%S+)\t(%S+)\t(%S+)\t(%S+)\t(%S+)$")
  clients[#clients + 1] = {route, path, token, tonumber(phase), tonumber(period), tonumber(conditional)}
end

function setup(thread)
  local client = clients[#threads + 1]
  thread:set("route", client[1])
  thread:set("path", client[2])
  thread:set("token", client[3])
  thread:set("phase", client[4])
  thread:set("period", client[5])
  thread:set("conditional", client[6])
  thread:set("warmup", tonumber(os.getenv("WRK_WARMUP_MS") or "0"))
  threads[#threads + 1] = thread
end

-- Thread state: one client.
local due, intended, etag, started
latencies = {}
codes = {}
sizes = {}

function init(args)
  started = now_ms()
  due = started + phase
  intended = due
end

function delay()
  intended = due
  due = due + period
  local wait = intended - now_ms()
  if wait <= 0 then
    return 0
  end
  return math.ceil(wait)
end

function request()
  local headers = { Authorization = "Bearer " .. token }
  if conditional == 1 and etag then
    headers["If-None-Match"] = etag
  end
  return wrk.format("GET", path, headers)
end

function response(status, headers, body)
  local finished = now_ms()
  etag = headers["etag"] or headers["ETag"] or etag
  if intended - started < warmup then
    return
  end
  latencies[#latencies + 1] = finished - intended
  codes[status] = (codes[status] or 0) + 1
  sizes[status] = (sizes[status] or 0) + #body
end

function done(summary, latency, requests)
  local out = assert(io.open(os.getenv("WRK_OUT"), "w"))
  for _, thread in ipairs(threads) do
    local route = thread:get("route")
    for _, ms in ipairs(thread:get("latencies")) do
      out:write("lat\t", route, "\t", string.format("%.3f", ms), "\n")
    end
    local bytes = thread:get("sizes")
    for status, count in pairs(thread:get("codes")) do
      out:write("code\t", route, "\t", status, "\t", count, "\t", bytes[status], "\n")
    end
  end
  out:write("errors\t", summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout, "\n")
  out:close()
end
