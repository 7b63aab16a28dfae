-- firedrill.deploy: staged releases of code and configuration, rollbacks
-- and configuration repair.
--
-- A deploy moves a service to a new version in stages, with a pause between
-- stages: by region (a stage is a share of its regions, every instance of
-- each), or by instance (a stage is a share of its instances, spread over
-- its regions: a canary). If it carries a configuration write, the data
-- goes out region by region with its own stages: a release without a gray
-- release for its data spreads bad data everywhere at once. A halt rule
-- watches the instances on the new version all through each pause and
-- stops the rollout the moment they look bad. A rollback puts the old code
-- back on the instances that got the new one, through a rolling redeploy of
-- those instances alone, which restarts them through their platform; it
-- leaves configuration data alone, because data is not code.

local M = {}

local versions = {}      -- service -> list of version names, oldest first

-- How often a halt rule looks during a pause (simulated seconds): the
-- default metrics interval, so every check sees a fresh interval.
local CHECK = 10

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

-- 0.05, or "5%": a share.
local function fraction(fn, key, v)
  local f = v
  if type(v) == "string" then
    local pct = v:match("^%s*([%d%.]+)%s*%%%s*$")
    f = pct and tonumber(pct) and tonumber(pct) / 100 or tonumber(v)
  end
  if type(f) ~= "number" or f ~= f or f < 0 or f > 1 then
    error(("%s: %s: expected a share like 0.05 or \"5%%\", got %s"):format(fn, key, tostring(v)), 3)
  end
  return f
end

local function check_stages(fn, key, list)
  if type(list) ~= "table" or #list == 0 then
    error(("%s: %s: expected a list of stages, like { 0.25, 1.0 } or { \"1%%\", \"10%%\", 1.0 }")
      :format(fn, key), 3)
  end
  local out, last = {}, 0
  for i, v in ipairs(list) do
    local f = fraction(fn, ("%s[%d]"):format(key, i), v)
    if f <= 0 or f < last then
      error(("%s: %s[%d]: a stage must be above 0 and not below the one before it")
        :format(fn, key, i), 3)
    end
    out[i], last = f, f
  end
  return out
end

local function take(regions, upto, done)
  local out = {}
  for k = done + 1, math.min(upto, #regions) do out[#out + 1] = regions[k] end
  return out
end

-- How many instances of each region a stage puts on the new version: the
-- share of the fleet over `regions`, rounded up, spread in proportion to
-- each region's live instances (largest remainders first, ties in the
-- given order), never fewer than a region already has.
local function spread(service, number, regions, frac)
  local live, total = {}, 0
  for k, r in ipairs(regions) do
    local _, _, n = version_share(service, number, r)
    live[k] = n
    total = total + n
  end
  local want = math.ceil(frac * total - 1e-9)
  local counts, order, given = {}, {}, 0
  for k = 1, #regions do
    counts[k] = math.floor(frac * live[k] + 1e-9)
    given = given + counts[k]
    order[k] = k
  end
  table.sort(order, function(a, b)
    local ra, rb = frac * live[a] - counts[a], frac * live[b] - counts[b]
    if math.abs(ra - rb) > 1e-12 then return ra > rb end
    return a < b
  end)
  local i = 1
  while given < want and i <= #order do
    local k = order[i]
    if counts[k] < live[k] then
      counts[k] = counts[k] + 1
      given = given + 1
    end
    i = i + 1
  end
  return counts, total
end

-- The halt rule, judged on the requests the new version's instances
-- answered over the last metrics interval, region by region: a canary's
-- errors are not diluted in its region's average.
local function halted(o, number, regions, halt)
  for _, r in ipairs(regions) do
    local _, on = version_share(o.service, number, r)
    if on > 0 and metric(o.service, "offered", r, number) > 0 then
      local err = metric(o.service, "error_rate", r, number)
      if halt.error_rate and err > halt.error_rate then
        return true, ("error rate %.1f%% on %s in %s"):format(err * 100, o.version, r)
      end
      local avail = metric(o.service, "availability", r, number)
      if halt.availability and avail < halt.availability then
        return true, ("availability %.2f%% on %s in %s"):format(avail * 100, o.version, r)
      end
      local p99 = metric(o.service, "p99", r, number)
      if halt.p99 and p99 > halt.p99 then
        return true, ("p99 %.0fms on %s in %s"):format(p99 * 1000, o.version, r)
      end
    end
  end
  return false
end

-- Waits `secs`, checking the halt rule every CHECK seconds of it.
local function wait_watching(o, number, regions, halt, secs)
  if not halt then
    wait(secs)
    return false
  end
  local waited = 0
  while waited < secs - 1e-9 do
    local step = math.min(CHECK, secs - waited)
    wait(step)
    waited = waited + step
    local stop, why = halted(o, number, regions, halt)
    if stop then return true, why end
  end
  return false
end

---deploy{ service, version, stages = {0.1, 0.5, 1}, by = "regions"|"instances",
---        regions = {...}, every = "10m", error_rate = 0, cost = { cpu, latency },
---        config = { item, writes = "bad", stages = {...}, error_rate, cost },
---        halt_on = { error_rate = 0.05, p99 = "500ms", availability = 0.99 } }
function M.deploy(o)
  -- Keys first: a misspelt `service` is reported with its did-you-mean,
  -- not as missing.
  _check_options("deploy", o, 2)
  if not o.service or not o.version then
    error("deploy: service and version are required", 2)
  end
  local deployed_in = known("deploy", deployed, o.service)
  local regions = deployed_in
  if o.regions ~= nil then
    local list = type(o.regions) == "string" and { o.regions } or o.regions
    if type(list) ~= "table" or #list == 0 then
      error("deploy: regions: expected a region or a list of regions", 2)
    end
    regions = {}
    for _, r in ipairs(list) do
      local found = false
      for _, d in ipairs(deployed_in) do found = found or d == r end
      if not found then
        error(("deploy: regions: %s is not deployed in %s (it runs in %s)"):format(o.service,
          tostring(r), table.concat(deployed_in, ", ")), 2)
      end
      regions[#regions + 1] = r
    end
  end
  local by = o.by or "regions"
  if by ~= "regions" and by ~= "instances" then
    error(("deploy: by: expected \"regions\" or \"instances\", got %s"):format(tostring(by)), 2)
  end
  local stages = o.stages and check_stages("deploy", "stages", o.stages) or { 1.0 }
  local cfg = o.config
  local cfg_stages = cfg and (cfg.stages and check_stages("deploy", "config.stages", cfg.stages)
    or (by == "regions" and stages or { 1.0 }))
  local halt
  if o.halt_on ~= nil then
    local h = o.halt_on
    halt = {
      error_rate = h.error_rate ~= nil and fraction("deploy", "halt_on.error_rate", h.error_rate) or nil,
      availability = h.availability ~= nil and fraction("deploy", "halt_on.availability", h.availability)
        or nil,
    }
    if h.p99 ~= nil then
      local ok, secs = pcall(seconds, h.p99)
      if not ok then error(("deploy: halt_on.p99: %s"):format((tostring(secs):gsub("^[^:]*: ", ""))), 2) end
      halt.p99 = secs
    end
  end
  local number = version_number(o.service, o.version)
  local from = versions[o.service][version(o.service) or 1] or "v1"
  if cfg then known("deploy", config_bad, cfg.item) end
  local every = seconds(o.every or "10m")

  local function put(r, opts)
    opts.service, opts.region, opts.version = o.service, r, number
    opts.error_rate, opts.cost = o.error_rate, o.cost
    set_version(opts)
  end

  after(0, function()
    local done, cdone = 0, 0
    local steps = math.max(#stages, cfg_stages and #cfg_stages or 0)
    for i = 1, steps do
      local frac = stages[math.min(i, #stages)]
      if by == "regions" then
        local batch = take(regions, math.ceil(#regions * frac - 1e-9), done)
        for _, r in ipairs(batch) do put(r, {}) end
        done = done + #batch
        if #batch > 0 then
          _event("change", ("%s %s -> %s rolled out to %s"):format(o.service, from, o.version,
            table.concat(batch, ", ")), o.service)
        end
      elseif i <= #stages then
        local counts, total = spread(o.service, number, regions, frac)
        local parts, on = {}, 0
        for k, r in ipairs(regions) do
          if frac >= 1 then put(r, {}) else put(r, { instances = counts[k] }) end
          local _, n = version_share(o.service, number, r)
          on = on + n
          if n > 0 then parts[#parts + 1] = ("%s %d"):format(r, n) end
        end
        -- Sampling moves instances in whole simulated ones: a stage
        -- smaller than that step comes out larger, and the line says so.
        local want, coarse = math.ceil(frac * total - 1e-9), ""
        if frac < 1 and on > want then
          coarse = (" (the stage asked for %d, %g%%: at this run's sampling instances move"
            .. " in steps of several; settings.sampling: 1 makes it exact)"):format(want, frac * 100)
        end
        _event("change", ("%s %s -> %s rolled out to %d of %d instances (%.1f%%): %s%s"):format(
          o.service, from, o.version, on, total, total > 0 and on / total * 100 or 0,
          table.concat(parts, ", "), coarse), o.service)
      end
      if cfg then
        local cfrac = cfg_stages[math.min(i, #cfg_stages)]
        local cbatch = take(regions, math.ceil(#regions * cfrac - 1e-9), cdone)
        for _, r in ipairs(cbatch) do
          write_config { item = cfg.item, region = r, data = cfg.writes or "bad",
                         error_rate = cfg.error_rate, cost = cfg.cost }
        end
        cdone = cdone + #cbatch
        if #cbatch > 0 then
          _event("change", ("%s writes %s data to %s in %s"):format(o.version, cfg.writes or "bad",
            cfg.item, table.concat(cbatch, ", ")), cfg.item)
        end
      end
      if i < steps then
        local stop, why = wait_watching(o, number, regions, halt, every)
        if stop then
          _event("change", ("rollout of %s %s halted: %s"):format(o.service, o.version, why), o.service)
          return
        end
      end
    end
  end)
end

---rollback{ service, regions = {...}, batch = 2 } (or rollback("service")):
---the previous version back on the instances (in those regions; default
---every region it runs in) that run the newest version among them,
---through a rolling redeploy of those instances alone. Instances the
---release never reached are left alone: redeploying them would restart
---healthy instances for nothing. Data stays as it is.
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
  -- The library's "v1" is the engine's version 0, which every instance
  -- starts on.
  local prev = newest - 1
  local to = prev == 1 and 0 or prev
  local touched = {}
  for _, r in ipairs(regions) do
    local _, on = version_share(o.service, newest, r)
    if on > 0 then
      -- Chosen by version first, then moved: the redeploy restarts the
      -- instances that ran the bad version, and they come back on the old.
      restart { service = o.service, region = r, batch = o.batch or 2, version = newest }
      set_version { service = o.service, region = r, version = to, from = newest,
                    error_rate = o.error_rate }
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
