-- wrk script for bench/serve.py: POST one German credit row per request, cycling through a
-- file of JSON bodies (one per line), with a bearer token.
--   wrk -t 2 -c 32 -d 10s --latency -s bench/serve.lua URL -- BODIES_FILE TOKEN
-- Each thread starts at its own offset so the threads do not send the same rows in step.

local requests = {}
local counter = 0
local next_id = 1

function setup(thread)
  thread:set("offset", counter * 97)
  counter = counter + 1
end

function init(args)
  local path, token = args[1], args[2]
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }
  for line in io.lines(path) do
    if #line > 0 then
      requests[#requests + 1] = wrk.format("POST", nil, headers, line)
    end
  end
  if #requests == 0 then
    error("no request bodies in " .. path)
  end
  next_id = ((offset or 0) % #requests) + 1
end

function request()
  local r = requests[next_id]
  next_id = next_id % #requests + 1
  return r
end
