-- wrk: POST /v1/orders as many buyers (setup for the claim benchmark: open orders to claim).
-- args: TOKENS_FILE CURRENCY
package.path = package.path .. ";" .. (os.getenv("W3W_BENCH_LUA") or ".") .. "/?.lua"
local common = require("common")
local tokens, body, n

function init(args)
  tokens = common.lines(args[1])
  body = '{"currency":"' .. args[2] .. '","items":[{"product_id":"0190c2a1-7b3c-7d10-8e2f-1234567890ab",' ..
         '"product_name":"Bench item","price":"0.00000001","quantity":1}]}'
  n = math.random(#tokens)
end

function request()
  n = n % #tokens + 1
  return wrk.format("POST", "/v1/orders",
    { ["Authorization"] = "Bearer " .. tokens[n], ["Content-Type"] = "application/json" }, body)
end

function done(summary, latency, requests)
  common.report(summary, latency)
end
