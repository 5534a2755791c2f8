-- wrk script: POST /auth/registration/social with the idToken in $DFNS_MOCK_BENCH_TOKEN,
-- optionally with the scenario in $DFNS_MOCK_BENCH_SCENARIO.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local scenario = os.getenv("DFNS_MOCK_BENCH_SCENARIO")
if scenario and scenario ~= "" then
  wrk.headers["X-Dfns-Mock-Scenario"] = scenario
end
wrk.body = '{"socialLoginProviderKind":"Oidc","idToken":"' .. os.getenv("DFNS_MOCK_BENCH_TOKEN") .. '"}'
