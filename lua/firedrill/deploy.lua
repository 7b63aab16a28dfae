-- firedrill.deploy: staged releases of code and configuration, rollbacks
-- and configuration repair.
--
-- A deploy moves a service to a new version region by region, in stages
-- (fractions of its regions), with a pause between stages. If it carries a
-- configuration write, the data goes out with its own stages: a release
-- without a gray release for its data spreads bad data everywhere at once.
-- A halt rule stops the rollout when the regions already on the new version
-- look bad. A rollback puts the old code back through a rolling redeploy,
-- which restarts instances through their platform; it leaves configuration
-- data alone, because data is not code.

local M = {}

local versions = {}      -- service -> list of version names, oldest first

local function version_number(service, name)
  local list = versions[service]
  if not list then
    list = { "v1" }
    versions[service] = list
  end
  for i, v in ipairs(list) do
    if v == name then return i end
  end
  list[#list + 1] = name
  return #list
end

-- Looks a name up through a built-in that checks it (deployed, config_bad),
-- so that an unknown one is reported with its did-you-mean at the line
-- that called deploy{} or rollback{}, not at a line of this file.
local function known(fn, lookup, name)
  local ok, v = pcall(lookup, name)
  if not ok then error(("%s: %s"):format(fn, v), 3) end
  return v
end

local function take(regions, upto, done)
  local out = {}
  for k = done + 1, math.min(upto, #regions) do out[#out + 1] = regions[k] end
  return out
end

local function halted(o, done_regions)
  if not o.halt_on then return false end
  for _, r in ipairs(done_regions) do
    local err = metric(o.service, "error_rate", r)
    if o.halt_on.error_rate and err > o.halt_on.error_rate then
      return true, ("error rate %.1f%% in %s"):format(err * 100, r)
    end
  end
  return false
end

---deploy{ service, version, stages = {0.1, 0.5, 1}, every = "10m",
---        error_rate = 0, config = { item, writes = "bad", stages = {...} },
---        halt_on = { error_rate = 0.05 } }
function M.deploy(o)
  -- Keys first: a misspelt `service` is reported with its did-you-mean,
  -- not as missing.
  _check_options("deploy", o, 2)
  if not o.service or not o.version then
    error("deploy: service and version are required", 2)
  end
  local regions = known("deploy", deployed, o.service)
  local stages = o.stages or { 1.0 }
  local cfg = o.config
  local cfg_stages = cfg and (cfg.stages or stages)
  local number = version_number(o.service, o.version)
  local from = versions[o.service][version(o.service) or 1] or "v1"
  if cfg then known("deploy", config_bad, cfg.item) end
  local every = o.every or "10m"

  after(0, function()
    local done, cdone, done_regions = 0, 0, {}
    local steps = math.max(#stages, cfg_stages and #cfg_stages or 0)
    for i = 1, steps do
      local frac = stages[math.min(i, #stages)]
      local batch = take(regions, math.ceil(#regions * frac - 1e-9), done)
      for _, r in ipairs(batch) do
        set_version { service = o.service, region = r, version = number, error_rate = o.error_rate }
        done_regions[#done_regions + 1] = r
      end
      done = done + #batch
      if #batch > 0 then
        _event("change", ("%s %s -> %s rolled out to %s"):format(o.service, from, o.version,
          table.concat(batch, ", ")), o.service)
      end
      if cfg then
        local cfrac = cfg_stages[math.min(i, #cfg_stages)]
        local cbatch = take(regions, math.ceil(#regions * cfrac - 1e-9), cdone)
        for _, r in ipairs(cbatch) do
          write_config { item = cfg.item, region = r, data = cfg.writes or "bad" }
        end
        cdone = cdone + #cbatch
        if #cbatch > 0 then
          _event("change", ("%s writes %s data to %s in %s"):format(o.version, cfg.writes or "bad",
            cfg.item, table.concat(cbatch, ", ")), cfg.item)
        end
      end
      if i < steps then
        wait(every)
        local stop, why = halted(o, done_regions)
        if stop then
          _event("change", ("rollout of %s %s halted: %s"):format(o.service, o.version, why), o.service)
          return
        end
      end
    end
  end)
end

---rollback{ service, regions = {...}, batch = 2 } (or rollback("service")):
---the previous version back, through a rolling redeploy, in those regions
---(default: every region it runs in) that run the newest version among
---them. Regions the release never reached are left alone: redeploying
---them would restart healthy instances for nothing. Data stays as it is.
function M.rollback(o)
  if type(o) == "string" then o = { service = o } end
  _check_options("rollback", o, 2)
  if not o.service then error("rollback: service is required", 2) end
  local deployed_in = known("rollback", deployed, o.service)
  local list = versions[o.service] or { "v1" }
  local regions = o.regions or deployed_in
  local newest = 1
  for _, r in ipairs(regions) do newest = math.max(newest, version(o.service, r) or 1) end
  if newest == 1 then
    _event("action", ("%s: nothing to roll back, %s runs %s"):format(o.service,
      table.concat(regions, ", "), list[1] or "v1"), o.service)
    return
  end
  local prev, touched = newest - 1, {}
  for _, r in ipairs(regions) do
    if (version(o.service, r) or 1) == newest then
      set_version { service = o.service, region = r, version = prev, error_rate = o.error_rate }
      restart { service = o.service, region = r, batch = o.batch or 2 }
      touched[#touched + 1] = r
    end
  end
  _event("action", ("%s rolled back to %s in %s"):format(o.service, list[prev] or "v1",
    table.concat(touched, ", ")), o.service)
end

---repair_config("item") or repair_config{ item, region }: good data back.
function M.repair_config(o)
  if type(o) == "string" then o = { item = o } end
  _check_options("repair_config", o, 2)
  write_config { item = o.item, region = o.region, data = "good" }
  _event("action", ("configuration data of %s repaired%s"):format(o.item,
    o.region and (" in " .. o.region) or " in every region"), o.item, o.region)
end

return M
