-- wrk script for bench/replicas-bench: POST /sessions with 10 distinct sessions and a unique
-- client request id per request, over a slice of the callers so that several wrk processes
-- (one per replica) never ask for the same session. Run wrk with -t1 (one counter).
-- Request r uses caller FIRST + r % CALLERS at exchanges 10*floor(r / CALLERS) + 1 .. +10.
-- BENCH_CALLER_FIRST (0-based), BENCH_CALLERS (the slice's size), BENCH_WRK_ID (0..999, part of
-- every request id). Each caller sends its own token, bench-token-<caller>.
local first = tonumber(os.getenv("BENCH_CALLER_FIRST") or "0")
local callers = tonumber(os.getenv("BENCH_CALLERS") or "250")
local wrk_id = tonumber(os.getenv("BENCH_WRK_ID") or "0")
local counter = 0

request = function()
  local caller = first + counter % callers
  local block = math.floor(counter / callers)
  local parts = {}
  for k = 1, 10 do
    local ix = block * 10 + k
    parts[k] = string.format(
      '{"local_asn":%d,"local_ip":"2001:db8:%x::%x","peer_asn":64500,"peer_ip":"2001:db8:%x::1","location":"pdb:ix:%d"}',
      4200000001 + caller, ix, caller + 2, ix, ix)
  end
  local id = string.format("00000000-0000-4000-8%03d-%012d", wrk_id, counter)
  counter = counter + 1
  local body = '{"request_id":"' .. id .. '","sessions":[' .. table.concat(parts, ",") .. ']}'
  return wrk.format("POST", "/sessions", {["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer bench-token-" .. caller}, body)
end
