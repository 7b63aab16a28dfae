-- firedrill.playbooks: responses people run, as code responders can call.
--
--   local playbooks = require("firedrill.playbooks")
--   on_alert("api-5xx", function()
--     declare("P1", "api errors")
--     playbooks.rollback_then_repair { service = "api", item = "routing", team = "api" }
--   end)
--
-- A playbook is a plain function meant to run inside an alert handler (or an
-- at/after/every callback): it occupies the team's responders with act() and
-- diagnose(), waits in simulated time with wait()/wait_until(), branches on
-- what it observes (healthy, stalled, metric), and writes what it does and
-- why to the timeline with note(), so that the incident review reads like
-- the one people would write. Each returns whether it reached its goal.
--
-- Playbooks use only the public scenario API. Their arguments are checked
-- before anything happens, at the caller's line.

local M = {}

-- Raises at the line that called the playbook: `depth` counts the helpers
-- between the playbook and this call (0 when the playbook calls fail).
local function fail(fn, msg, depth) error(("%s: %s"):format(fn, msg), 3 + (depth or 0)) end

-- Unknown keys (with a did-you-mean) and missing required ones, against
-- the one table of every function's options (engine/script/api_schema.c).
-- Level 3: above check_opts and the playbook, the line that called it.
local function check_opts(fn, o)
  _check_options("playbooks." .. fn, o, 3)
end

local function check_in(fn, key, v, kind, what)
  if type(v) ~= "string" then fail(fn, ("%s: expected a %s name"):format(key, what), 1) end
  for _, n in ipairs(names(kind)) do
    if n == v then return v end
  end
  fail(fn, ("%s: unknown %s '%s'"):format(key, what, v), 1)
end

-- Teams are declared by the scenario, and names() cannot list them; act{}
-- checks the name before it yields, so a zero-length act checks it here,
-- at the caller's line, instead of at the playbook's first real step. It
-- also fails, at the caller's line, when the playbook runs outside a
-- handler or timer, where responders cannot act.
local function check_team(fn, v)
  if type(v) ~= "string" or v == "" then fail(fn, "team: expected a team name", 1) end
  for _, t in ipairs(names("teams")) do
    if t == v then return v end
  end
  fail(fn, ("team: unknown team '%s'"):format(v), 1)
end

local function check_duration(fn, key, v)
  if type(v) == "number" and v >= 0 then return v end
  -- A distribution of a human time goes to act{} as it is, which checks it.
  if type(v) == "table" then return v end
  if type(v) == "string" then
    local ok, s = pcall(seconds, v)
    if ok then return s end
  end
  fail(fn, ("%s: expected a duration like '10m', got '%s'"):format(key, tostring(v)), 1)
end

local function is_deployed(service, region)
  for _, r in ipairs(deployed(service)) do
    if r == region then return true end
  end
  return false
end

local function pct(x) return ("%.0f%%"):format(x * 100) end

-- ---- rollback_then_repair ----

---@class RollbackThenRepairOpts
---@field service string     the service whose release went bad
---@field item string        the configuration item the release may have written
---@field team string        the team that runs the playbook
---@field verify? string|number how long to wait for health after each step; default "12m"
---@field batch? integer     instances restarted at a time by the rollback; default 2
---@field takes? string|number time to prepare the rollback; default "5m"
---@field repair_takes? string|number time to design and apply the data repair; default "5m"

---The standard plan for a bad release: roll the code back first (the fast,
---well-rehearsed step), and if the service is still unhealthy after
---`verify`, diagnose the configuration item and repair its data. The second
---branch is the lesson of Tencent 2024-04-08: configuration data persists
---in its store, so rolling back code alone cannot fix a bad push of data.
---Returns true when the service is healthy at the end.
---@param o RollbackThenRepairOpts
---@return boolean healthy
function M.rollback_then_repair(o)
  local fn = "rollback_then_repair"
  check_opts(fn, o)
  check_in(fn, "service", o.service, "services", "service")
  check_in(fn, "item", o.item, "configs", "configuration item")
  check_team(fn, o.team)
  local verify = check_duration(fn, "verify", o.verify or "12m")
  local takes = check_duration(fn, "takes", o.takes or "5m")
  local repair_takes = check_duration(fn, "repair_takes", o.repair_takes or "5m")
  if o.batch ~= nil and (type(o.batch) ~= "number" or o.batch < 1) then
    fail(fn, "batch: expected a number of instances, at least 1")
  end
  local function ok() return healthy(o.service) end

  note(("playbook rollback_then_repair: team %s rolls %s back first"):format(o.team, o.service))
  page(o.team)   -- a team acts once paged; at once when it already is
  act { team = o.team, takes = takes }
  rollback { service = o.service, batch = o.batch or 2 }
  if wait_until(ok, verify) then
    note(("%s is healthy again after the rollback"):format(o.service))
    return true
  end
  note(("%s is still failing %s after the rollback: checking %s")
    :format(o.service, o.verify or "12m", o.item))
  diagnose { component = o.item, team = o.team }
  if not config_bad(o.item) then
    note(("%s holds good data: the rollback was not enough for another reason"):format(o.item))
    return false
  end
  note(("root cause: bad data in %s, which the rollback left in place"):format(o.item))
  act { team = o.team, takes = repair_takes }
  repair_config(o.item)
  if wait_until(ok, verify) then
    note(("%s is healthy after the data repair"):format(o.service))
    return true
  end
  note(("%s is still unhealthy after the data repair"):format(o.service))
  return false
end

-- ---- redirect_region ----

---@class RedirectRegionOpts
---@field service string     the service whose health in `region` decides
---@field region string      the region to drain
---@field to string|string[] where its traffic goes
---@field team string        the team that runs the playbook
---@field source? string     only this traffic source; default: every source
---@field takes? string|number time to decide and issue the change; default "5m"
---@field break_glass? string|number if the service is stalled in `region` (its platform cannot
---                          schedule it), restart it by hand, bypassing the platform; the value is
---                          how long the manual work takes

---Moves a sick region's users to healthy regions. Checks first: a region
---that is healthy again by the time the team gets to it is left alone.
---The shift takes the topology's `propagation` to take effect, and the
---target regions must have the capacity (or the autoscaling) for it. With
---`break_glass`, a service whose platform cannot bring it back (a recovery
---deadlock) is restarted by hand. There is no way back in the public API
---that restores the exact weights, so the traffic stays where it was sent.
---Returns true when traffic was redirected.
---@param o RedirectRegionOpts
---@return boolean redirected
function M.redirect_region(o)
  local fn = "redirect_region"
  check_opts(fn, o)
  check_in(fn, "service", o.service, "services", "service")
  check_in(fn, "region", o.region, "regions", "region")
  local to = type(o.to) == "string" and { o.to } or o.to
  if type(to) ~= "table" or #to == 0 then fail(fn, "to: expected a region or a list of regions") end
  for _, r in ipairs(to) do
    check_in(fn, "to", r, "regions", "region")
    if r == o.region then fail(fn, ("to: cannot redirect %s to itself"):format(r)) end
  end
  if o.source ~= nil then check_in(fn, "source", o.source, "sources", "traffic source") end
  check_team(fn, o.team)
  if not is_deployed(o.service, o.region) then
    fail(fn, ("%s is not deployed in %s"):format(o.service, o.region))
  end
  local takes = check_duration(fn, "takes", o.takes or "5m")
  local glass = o.break_glass ~= nil and check_duration(fn, "break_glass", o.break_glass) or nil

  if healthy(o.service, o.region) then
    note(("playbook redirect_region: %s is healthy in %s; no redirect"):format(o.service, o.region))
    return false
  end
  note(("playbook redirect_region: %s is failing in %s; %s moves its users to %s")
    :format(o.service, o.region, o.team, table.concat(to, ", ")))
  page(o.team)
  act { team = o.team, takes = takes }
  shift_traffic { source = o.source, from = o.region, to = to }
  if glass and stalled(o.service, o.region) then
    note(("%s cannot be scheduled in %s: its platform needs it; restarting it by hand")
      :format(o.service, o.region))
    restart { service = o.service, region = o.region, manual = true, takes = glass, team = o.team }
  end
  return true
end

-- ---- scale_for_surge ----

-- "utilisation > 80%" -> a function of the service's metric.
local function condition(fn, service, region, when)
  if type(when) == "function" then return when, "the condition" end
  if type(when) ~= "string" then
    fail(fn, "when: expected a function or a condition like 'utilisation > 80%'", 1)
  end
  local name, op, value = when:match("^%s*([%w_]+)%s*([<>]=?)%s*(%S+)%s*$")
  if not name then
    fail(fn, ("when: expected 'metric > value', like 'utilisation > 80%%', got '%s'")
      :format(when), 1)
  end
  local ok, why = pcall(metric, service, name)
  if not ok then fail(fn, "when: " .. tostring(why), 1) end
  local v
  local p = value:match("^([%d.]+)%%$")
  if p then
    v = tonumber(p) and tonumber(p) / 100
  elseif value:find("/") then
    local n, unit = value:match("^([%d.]+)/(%a+)$")
    local per = ({ s = 1, m = 60, min = 60, h = 3600 })[unit or ""]
    v = n and per and tonumber(n) / per
  elseif tonumber(value) then
    v = tonumber(value)
  else
    local good, s = pcall(seconds, value)
    v = good and s or nil
  end
  if not v then fail(fn, ("when: '%s' is not a value"):format(value), 1) end
  local cmp = {
    [">"] = function(x) return x > v end, ["<"] = function(x) return x < v end,
    [">="] = function(x) return x >= v end, ["<="] = function(x) return x <= v end,
  }
  local test = cmp[op]
  return function() return test(metric(service, name, region)) end, when
end

---@class ScaleForSurgeOpts
---@field service string     the service to give room
---@field max integer        the new autoscaling ceiling (per region)
---@field team string        the team that runs the playbook
---@field when? string|fun():boolean when to act: a condition on the service ("utilisation > 80%",
---                          the default) or a function
---@field region? string     only this region; default: every region
---@field instances? integer also scale to this many at once, instead of waiting for the autoscaler
---@field takes? string|number time to get the capacity approved and applied; default "10m"
---@field limit? string|number give up waiting for `when` after this long; default: never

---Raises a service's autoscaling ceiling when a surge needs more than it
---allows, as the Tencent console team did by hand. Waits until `when`
---holds, occupies a responder for `takes`, then lifts `max` (and, with
---`instances`, asks for that many at once). New instances still take the
---autoscaler's `delay`, its `rate` limit, and a platform that can schedule
---them. Returns true when it scaled.
---@param o ScaleForSurgeOpts
---@return boolean scaled
function M.scale_for_surge(o)
  local fn = "scale_for_surge"
  check_opts(fn, o)
  check_in(fn, "service", o.service, "services", "service")
  if o.region ~= nil then
    check_in(fn, "region", o.region, "regions", "region")
    if not is_deployed(o.service, o.region) then
      fail(fn, ("%s is not deployed in %s"):format(o.service, o.region))
    end
  end
  if type(o.max) ~= "number" or o.max < 1 or o.max ~= math.floor(o.max) then
    fail(fn, "max: expected a whole number of instances, at least 1")
  end
  if o.instances ~= nil and (type(o.instances) ~= "number" or o.instances < 0
      or o.instances > o.max or o.instances ~= math.floor(o.instances)) then
    fail(fn, "instances: expected a whole number of instances, at most max")
  end
  check_team(fn, o.team)
  local takes = check_duration(fn, "takes", o.takes or "10m")
  local limit = o.limit ~= nil and check_duration(fn, "limit", o.limit) or nil
  local cond, label = condition(fn, o.service, o.region, o.when or "utilisation > 80%")

  if not wait_until(cond, limit) then
    note(("playbook scale_for_surge: %s never met %s; no scaling"):format(o.service, label))
    return false
  end
  note(("playbook scale_for_surge: %s at %s utilisation, %d up; %s asks for up to %d instances")
    :format(o.service, pct(metric(o.service, "utilisation", o.region)),
      math.floor(metric(o.service, "instances_up", o.region)), o.team, o.max))
  page(o.team)
  act { team = o.team, takes = takes }
  scale { service = o.service, region = o.region, max = o.max, instances = o.instances }
  return true
end

return M
