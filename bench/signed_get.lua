-- wrk script: replays pre-signed requests (bench/signed_requests.cpp), one per request, so every
-- DPoP proof and signature nonce is used once. Run wrk with -t1. Environment: SIGNED_FILE,
-- ACCESS_TOKEN, TARGET (origin-form path).
local lines = {}
for line in io.lines(os.getenv("SIGNED_FILE")) do
  lines[#lines + 1] = line
end
local token = os.getenv("ACCESS_TOKEN")
local target = os.getenv("TARGET")
local index = 0

request = function()
  index = index + 1
  local line = lines[index]
  if line == nil then
    -- Out of fresh requests: send an unsigned one, which the server refuses (counted as non-2xx).
    return wrk.format("GET", target, {["Authorization"] = "DPoP " .. token})
  end
  local dpop, input, signature = line:match("([^\t]*)\t([^\t]*)\t([^\t]*)")
  return wrk.format("GET", target, {["Authorization"] = "DPoP " .. token, ["DPoP"] = dpop,
    ["Signature-Input"] = input, ["Signature"] = signature})
end
