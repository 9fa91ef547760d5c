-- wrk: PUT 4 KiB objects under fresh names (create-only, so every request is a real write).
-- Environment: HEARTH_VAULT (relay id), HEARTH_TOKEN (bearer token).
local vault = os.getenv("HEARTH_VAULT")
local token = os.getenv("HEARTH_TOKEN")
local body = string.rep("x", 4096)
local counter = 0
local thread_id = 0
local threads = 0

function setup(thread)
  thread:set("thread_id", threads)
  threads = threads + 1
end

function request()
  counter = counter + 1
  local path = string.format("/v1/vaults/%s/objects/put-%d-%d", vault, thread_id, counter)
  return wrk.format("PUT", path, { ["Authorization"] = "Bearer " .. token }, body)
end
