-- wrk script: POST /sessions with 10 distinct sessions per request (run wrk with -t1 so one
-- counter numbers every request). Request r uses caller r % CALLERS at exchanges
-- 10*floor(r / CALLERS) + 1 .. +10, so no session repeats until CALLERS * EXCHANGES are made.
-- Each caller sends its own token, bench-token-<caller> (bench/run-all's static_tokens).
local callers = tonumber(os.getenv("BENCH_CALLERS") or "250")
local counter = 0

request = function()
  local caller = counter % callers
  local block = math.floor(counter / callers)
  counter = counter + 1
  local parts = {}
  for k = 1, 10 do
    local ix = block * 10 + k
    parts[k] = string.format(
      '{"local_asn":%d,"local_ip":"2001:db8:%x::%x","peer_asn":64500,"peer_ip":"2001:db8:%x::1","location":"pdb:ix:%d"}',
      4200000001 + caller, ix, caller + 2, ix, ix)
  end
  local body = '{"sessions":[' .. table.concat(parts, ",") .. ']}'
  return wrk.format("POST", "/sessions", {["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer bench-token-" .. caller}, body)
end

