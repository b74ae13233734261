-- wrk: POST /v1/orders/{id}/claim, each request a distinct open order (ids dealt out per thread),
-- as one of many shoppers. Counts 201 (won), 409 (lost: ids ran out and wrapped) and anything else.
-- args: IDS_FILE TOKENS_FILE THREADS
package.path = package.path .. ";" .. (os.getenv("W3W_BENCH_LUA") or ".") .. "/?.lua"
local common = require("common")
local threads, created = {}, 0

function setup(thread)
  created = created + 1
  thread:set("tid", created)
  threads[#threads + 1] = thread
end

function init(args)
  local nthreads = tonumber(args[3])
  local all = common.lines(args[1])
  ids = {}
  for k, id in ipairs(all) do
    if (k - 1) % nthreads == tid - 1 then ids[#ids + 1] = id end
  end
  tokens = common.lines(args[2])
  n, won, lost, other = 0, 0, 0, 0
end

function request()
  n = n + 1
  local id = ids[(n - 1) % #ids + 1]
  local token = tokens[(n + tid) % #tokens + 1]
  return wrk.format("POST", "/v1/orders/" .. id .. "/claim", { ["Authorization"] = "Bearer " .. token })
end

function response(status, headers, body)
  if status == 201 then won = won + 1 elseif status == 409 then lost = lost + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local w, l, o = 0, 0, 0
  for _, t in ipairs(threads) do
    w = w + t:get("won"); l = l + t:get("lost"); o = o + t:get("other")
  end
  common.report(summary, latency, string.format(',"won":%d,"lost":%d,"other":%d', w, l, o))
end
