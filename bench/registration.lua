-- wrk script: POST /auth/registration/social with every idToken of the pool in
-- $BENCH_TOKENS (one per line, see token_pool.py), token i in session
-- bench-<i mod $BENCH_SESSIONS> (default 1000), optionally with the scenario in
-- $BENCH_SCENARIO. With $BENCH_REQUESTS, wrk exits as soon as a thread has had that many
-- answers (run it with one thread; wrk prints no statistics then). Requests are formatted once, before the run, so the client spends its CPU on
-- sending them.
local tokens_file = assert(os.getenv("BENCH_TOKENS"), "BENCH_TOKENS is not set")
local sessions = tonumber(os.getenv("BENCH_SESSIONS") or "1000")
local scenario = os.getenv("BENCH_SCENARIO")
local limit = tonumber(os.getenv("BENCH_REQUESTS") or "0")

local threads = 0
function setup(thread)
  thread:set("index", threads)
  threads = threads + 1
end

local requests, next_request, answered = {}, 1, 0

function init(args)
  local i = 0
  for token in io.lines(tokens_file) do
    if token ~= "" then
      local headers = {
        ["Content-Type"] = "application/json",
        ["X-Dfns-Mock-Session"] = "bench-" .. (i % sessions),
      }
      if scenario and scenario ~= "" then
        headers["X-Dfns-Mock-Scenario"] = scenario
      end
      i = i + 1
      requests[i] = wrk.format("POST", nil, headers,
        '{"socialLoginProviderKind":"Oidc","idToken":"' .. token .. '"}')
    end
  end
  -- Threads start at different places of the pool.
  next_request = (index * 7919) % #requests + 1
end

function request()
  local r = requests[next_request]
  next_request = next_request % #requests + 1
  return r
end

-- Only with a limit: a `response` function makes wrk read every answer into Lua.
if limit > 0 then
  function response()
    answered = answered + 1
    if answered >= limit then
      io.write(answered, " answers\n")
      os.exit(0)
    end
  end
end
