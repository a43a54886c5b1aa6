-- wrk script: a mix of page views, validations and mappings, chosen in turn.
-- Bodies are read once from the files named in the environment.

local function read(path)
  local file = assert(io.open(path, "rb"))
  local body = file:read("*a")
  file:close()
  return body
end

local event_body = read(os.getenv("LOAD_EVENT_FILE"))
local vendor_body = read(os.getenv("LOAD_VENDOR_FILE"))
local requests = {}
local counter = 0

function init(args)
  requests = {
    wrk.format("GET", "/classes/script_activity?profiles=host,security_control"),
    wrk.format("GET", "/objects/script"),
    wrk.format("GET", "/classes/process_activity"),
    wrk.format("POST", "/api/validate", {["Content-Type"] = "application/json"}, event_body),
    wrk.format("POST", "/api/validate", {["Content-Type"] = "application/json"}, event_body),
    wrk.format("POST", "/api/map", {["Content-Type"] = "application/json"}, vendor_body),
    wrk.format("GET", "/search?q=script"),
    wrk.format("POST", "/api/map", {["Content-Type"] = "application/json"}, vendor_body),
  }
end

function request()
  counter = counter + 1
  return requests[(counter % #requests) + 1]
end

local errors = 0

function response(status, headers, body)
  if status >= 500 then
    errors = errors + 1
  end
end

function done(summary, latency, requests)
  io.write(string.format("requests: %d, non-2xx/3xx: %d, socket errors: %d\n",
    summary.requests, summary.errors.status, summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout))
  io.write(string.format("p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
