-- wrk: GET /v1/orders/{id} as a user, rotating over prepared order ids.
-- args: TOKEN_FILE IDS_FILE
package.path = package.path .. ";" .. (os.getenv("W3W_BENCH_LUA") or ".") .. "/?.lua"
local common = require("common")
local ids, i

function init(args)
  wrk.headers["Authorization"] = "Bearer " .. common.lines(args[1])[1]
  ids = common.lines(args[2])
  i = math.random(#ids)
end

function request()
  i = i % #ids + 1
  return wrk.format("GET", "/v1/orders/" .. ids[i])
end

function done(summary, latency, requests)
  common.report(summary, latency)
end
