-- wrk: GET 4 KiB objects, cycling through HEARTH_OBJECTS names "get-0" … "get-(N-1)".
local vault = os.getenv("HEARTH_VAULT")
local token = os.getenv("HEARTH_TOKEN")
local objects = tonumber(os.getenv("HEARTH_OBJECTS") or "1000")
local counter = 0

function request()
  counter = counter + 1
  local path = string.format("/v1/vaults/%s/objects/get-%d", vault, counter % objects)
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end
