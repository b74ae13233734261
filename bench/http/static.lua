-- wrk against nginx: the same method and a path of the same shape, a static JSON body back.
-- args: METHOD PATH TOKEN_FILE (the same Authorization header as against the server)
package.path = package.path .. ";" .. (os.getenv("W3W_BENCH_LUA") or ".") .. "/?.lua"
local common = require("common")
local method, path, auth

function init(args)
  method, path = args[1], args[2]
  auth = "Bearer " .. common.lines(args[3])[1]
end

function request()
  return wrk.format(method, path, { ["Authorization"] = auth })
end

function done(summary, latency, requests)
  common.report(summary, latency)
end
