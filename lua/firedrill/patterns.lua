-- firedrill.patterns: well-known outage patterns, ready to schedule.
--
--   local patterns = require("firedrill.patterns")
--   patterns.cascading_storage_failure { storage = "db", at = "10m", lasts = "15m" }
--
-- Each function schedules the *trigger* of a pattern and nothing else: a
-- storage tier that hangs, a bad push, a redeploy, a short spike, an outage
-- of an entry path, a dark region. What happens next (timeouts eating
-- workers, retries multiplying load, a platform that cannot schedule the
-- service it needs, users coming back at recovery) is the topology's doing,
-- never painted by the pattern. A pattern that does not show the expected
-- effect is telling you something about the topology.
--
-- Everything here uses only the public scenario API, like any scenario.
-- Arguments are checked when the pattern is called, not when its timer
-- fires, and a mistake is reported at the caller's line: a drill must not
-- fail twenty simulated minutes in because of a typo.
--
-- `at` takes what at() takes ("15:20", "+10m", "10m" or seconds) and may be
-- left out to start at once (useful inside an alert handler). Durations are
-- strings with units ("15m") or numbers of seconds.

local M = {}

-- ---- argument checks ----
--
-- Every check raises at level 3: the check itself (1), the pattern (2),
-- the scenario line that called the pattern (3).

local LEVEL = 3

local function distance(a, b)
  local la, lb = #a, #b
  if math.abs(la - lb) > 3 then return 99 end
  local prev = {}
  for j = 0, lb do prev[j] = j end
  for i = 1, la do
    local cur = { [0] = i }
    for j = 1, lb do
      local cost = a:sub(i, i) == b:sub(j, j) and 0 or 1
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
    end
    prev = cur
  end
  return prev[lb]
end

local function suggest(word, list)
  local best, bestd = nil, 3
  for _, c in ipairs(list) do
    local d = distance(word, c)
    if d < bestd then best, bestd = c, d end
  end
  return best and (" (did you mean '%s'?)"):format(best) or ""
end

-- Keys in sorted order: pairs() order may change from run to run, and
-- which mistake is reported first must not.
local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = tostring(k) end
  table.sort(keys)
  return keys
end

-- Unknown keys (with a did-you-mean) and missing required ones, against
-- the one table of every function's options (engine/script/api_schema.c).
local function check_opts(fn, o)
  _check_options("patterns." .. fn, o, LEVEL)
end

local function check_name(fn, key, v, kind, what)
  if type(v) ~= "string" then error(("%s: %s: expected a %s name"):format(fn, key, what), LEVEL) end
  local list = names(kind)
  for _, n in ipairs(list) do
    if n == v then return v end
  end
  error(("%s: %s: unknown %s '%s'%s"):format(fn, key, what, v, suggest(v, list)), LEVEL)
end

local function check_deployed(fn, service, region)
  local regions = deployed(service)
  for _, r in ipairs(regions) do
    if r == region then return end
  end
  error(("%s: %s is not deployed in %s (it runs in %s)"):format(fn, service, region,
    #regions > 0 and table.concat(regions, ", ") or "no region"), LEVEL)
end

-- Durations: what seconds() accepts. The C error, raised through pcall,
-- carries no position of its own, so it is re-raised at the caller.
local function check_duration(fn, key, v)
  if type(v) == "number" then
    if v >= 0 then return v end
  elseif type(v) == "string" then
    local ok, s = pcall(seconds, v)
    if ok then return s end
    error(("%s: %s: %s"):format(fn, key, (tostring(s):gsub("^[^:]*: ", ""))), LEVEL)
  end
  error(("%s: %s: expected a duration like '15m'"):format(fn, key), LEVEL)
end

-- When: what at() accepts.
local function check_when(fn, v)
  if type(v) == "number" then
    if v >= 0 then return v end
  elseif type(v) == "string" then
    local h, m, rest = v:match("^(%d%d?):(%d%d)(.*)$")
    if h then
      local sec = rest == "" and "0" or rest:match("^:(%d%d)$")
      if sec and tonumber(h) < 24 and tonumber(m) < 60 and tonumber(sec) < 60 then return v end
      error(("%s: at: '%s' is not a time like '15:20'"):format(fn, v), LEVEL)
    end
    local ok = pcall(seconds, (v:gsub("^%+", "")))
    if ok then return v end
  end
  error(("%s: at: expected a time like '15:20' or a delay like '+10m', got '%s'")
    :format(fn, tostring(v)), LEVEL)
end

local function check_fraction(fn, key, v)
  local x = v
  if type(v) == "string" then
    local p = v:match("^%s*([%d.]+)%s*%%%s*$")
    x = p and tonumber(p) and tonumber(p) / 100 or nil
  end
  if type(x) ~= "number" or not (x >= 0 and x <= 1) then
    error(("%s: %s: expected a fraction like '5%%' or 0.05, got '%s'"):format(fn, key, tostring(v)),
      LEVEL)
  end
  return x
end

local function check_number(fn, key, v, lo, hi)
  if type(v) ~= "number" or not (v >= lo and v <= hi) then
    error(("%s: %s: expected a number from %g to %g, got '%s'")
      :format(fn, key, lo, hi, tostring(v)), LEVEL)
  end
  return v
end

-- A shallow copy: the timers must not see later changes to the caller's table.
local function copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

-- Runs fn at `when`, or at once when there is none.
local function schedule(when, fn)
  if when == nil then after(0, fn) else at(when, fn) end
end

-- ---- the patterns ----

---@class CascadingStorageFailureOpts
---@field storage string     the storage tier that hangs (a service name)
---@field at? string|number  when it starts ("15:20", "+10m"); default: now
---@field lasts string|number how long it hangs before it answers again
---@field region? string     only this region's pool hangs; default: every region

---A storage tier hangs: it accepts requests and never answers, the way
---block storage does when it stops failing fast. Nothing here makes the
---callers fail: their workers wait on the hung calls until their timeouts,
---their queues fill, and their own callers time out in turn, so the edge
---answers 502s and every product sharing the tier goes down with it. After
---`lasts` the tier answers again; requests it was holding carry on.
---@param o CascadingStorageFailureOpts
function M.cascading_storage_failure(o)
  local fn = "cascading_storage_failure"
  check_opts(fn, o)
  o = copy(o)
  check_name(fn, "storage", o.storage, "services", "service")
  if o.region ~= nil then
    check_name(fn, "region", o.region, "regions", "region")
    check_deployed(fn, o.storage, o.region)
  end
  local when = o.at ~= nil and check_when(fn, o.at) or nil
  local lasts = check_duration(fn, "lasts", o.lasts)
  schedule(when, function()
    hang { service = o.storage, region = o.region }
    wait(lasts)
    unhang { service = o.storage, region = o.region }
  end)
end

-- A service answers errors for o[rate_key] of its requests (default all)
-- in o.region (default every region) from o.at for o.lasts. Called as a
-- pattern's tail call, so that the checks' error levels still point at
-- the line that called the pattern.
local function fails_for(fn, o, key, rate_key, zero)
  local svc = check_name(fn, key, o[key], "services", "service")
  if o.region ~= nil then
    check_name(fn, "region", o.region, "regions", "region")
    check_deployed(fn, svc, o.region)
  end
  local when = o.at ~= nil and check_when(fn, o.at) or nil
  local lasts = check_duration(fn, "lasts", o.lasts)
  local rate = o[rate_key] == nil and 1.0 or check_fraction(fn, rate_key, o[rate_key])
  if rate == 0 then error(("%s: %s: %s"):format(fn, rate_key, zero), 2) end
  schedule(when, function()
    errors { service = svc, region = o.region, rate = rate }
    wait(lasts)
    errors { service = svc, region = o.region, rate = 0 }
  end)
end

---@class StorageFailureOpts
---@field storage string     the storage tier that fails (a service name)
---@field at? string|number  when it starts; default: now
---@field lasts string|number how long it fails
---@field errors? number|string share of its requests that fail (0.5, "50%"); default 100%
---@field region? string     only this region's pool fails; default: every region

---A storage tier fails fast: it answers at once, with an error, for a share
---of its requests. The contrast with cascading_storage_failure is the point:
---fast errors free the callers' workers at once, so what happens is decided
---by the calls' retries, retry budgets, breakers and fallbacks (a call with
---`fallback: true` degrades instead of failing).
---@param o StorageFailureOpts
function M.storage_failure(o)
  local fn = "storage_failure"
  check_opts(fn, o)
  return fails_for(fn, copy(o), "storage", "errors", "a failure rate of 0 is no failure")
end

---@class BadConfigPushOpts
---@field service string     the service whose release writes the data
---@field item string        the configuration item it corrupts
---@field at? string|number  when the release starts; default: now
---@field version? string    the release's name; default "v2"
---@field gray? number[]     stages as fractions of the regions, like {0.25, 1}; nil: all at once
---@field every? string|number pause between stages; default "10m"
---@field halt_on? { error_rate: number } stop the rollout when a region already done is this bad
---@field error_rate? number the new code's own error rate; default 0

---A release that writes bad configuration data. Without `gray`, code and
---data reach every region at once; with it they go out stage by stage, and
---`halt_on` stops the rollout when the regions already on the new release
---fail, so the damage stays where it landed. The data persists in its store:
---rolling the code back (playbooks.rollback_then_repair) does not fix it.
---Wraps firedrill.deploy.
---@param o BadConfigPushOpts
function M.bad_config_push(o)
  local fn = "bad_config_push"
  check_opts(fn, o)
  o = copy(o)
  check_name(fn, "service", o.service, "services", "service")
  check_name(fn, "item", o.item, "configs", "configuration item")
  if o.version ~= nil and (type(o.version) ~= "string" or o.version == "") then
    error(fn .. ": version: expected a name like 'v2'", 2)
  end
  local stages = { 1.0 }
  if o.gray ~= nil then
    if type(o.gray) ~= "table" or #o.gray == 0 then
      error(fn .. ": gray: expected a list of stages, like { 0.25, 1.0 }", 2)
    end
    local last = 0
    for i, f in ipairs(o.gray) do
      if type(f) ~= "number" or not (f > 0 and f <= 1) or f < last then
        error(("%s: gray: stage %d must be a fraction of the regions above 0, at most 1 and not "
          .. "below the stage before it"):format(fn, i), 2)
      end
      last = f
    end
    stages = copy(o.gray)
  end
  if o.halt_on ~= nil then
    if type(o.halt_on) ~= "table" or o.halt_on.error_rate == nil then
      error(fn .. ": halt_on: expected { error_rate = 0.05 }", 2)
    end
    for _, k in ipairs(sorted_keys(o.halt_on)) do
      if k ~= "error_rate" then
        error(("%s: halt_on: unknown key '%s'"):format(fn, k), 2)
      end
    end
    if #stages < 2 then
      error(fn .. ": halt_on needs gray stages: a release that goes everywhere at once has "
        .. "nothing left to halt", 2)
    end
  end
  local when = o.at ~= nil and check_when(fn, o.at) or nil
  local every = o.every ~= nil and check_duration(fn, "every", o.every) or "10m"
  local err = o.error_rate ~= nil and check_fraction(fn, "error_rate", o.error_rate) or nil
  local halt = o.halt_on and
    { error_rate = check_fraction(fn, "halt_on.error_rate", o.halt_on.error_rate) }
  schedule(when, function()
    deploy {
      service = o.service, version = o.version or "v2", stages = stages, every = every,
      error_rate = err,
      config = { item = o.item, writes = "bad", stages = stages },
      halt_on = halt,
    }
  end)
end

---@class CircularDependencyOpts
---@field service string     the service to redeploy
---@field region string      the one region it is redeployed in
---@field at? string|number  when; default: now
---@field how? "restart"|"crash" a redeploy through its platform (default), or a crash
---@field batch? integer     a rolling redeploy, this many at a time (only with how = "restart")

---Every instance of a service in one region goes down at once, by a
---redeploy through its platform or by a crash, and must be scheduled back
---by the platform it `runs_on`. If that platform needs the service to
---schedule anything (the Tencent 2024-04-08 Shanghai pattern), nothing
---comes back: the engine detects the circular wait and reports a recovery
---deadlock. The deadlock comes from the topology's `runs_on` and `calls`;
---with a platform that does not need the service, the same call is a
---routine redeploy. With `batch`, the redeploy rolls: it deadlocks only if
---the instances left serving cannot answer the platform either.
---@param o CircularDependencyOpts
function M.circular_dependency(o)
  local fn = "circular_dependency"
  check_opts(fn, o)
  o = copy(o)
  check_name(fn, "service", o.service, "services", "service")
  check_name(fn, "region", o.region, "regions", "region")
  check_deployed(fn, o.service, o.region)
  local how = o.how or "restart"
  if how ~= "restart" and how ~= "crash" then
    error(("%s: how: expected 'restart' or 'crash', got '%s'"):format(fn, tostring(how)), 2)
  end
  local batch
  if o.batch ~= nil then
    if how ~= "restart" then error(fn .. ": batch: only a restart rolls", 2) end
    batch = math.floor(check_number(fn, "batch", o.batch, 1, 1e5))
  end
  local when = o.at ~= nil and check_when(fn, o.at) or nil
  schedule(when, function()
    if how == "crash" then
      crash { service = o.service, region = o.region }
    else
      restart { service = o.service, region = o.region, batch = batch }
    end
  end)
end

---@class RetryStormOpts
---@field source string      the traffic source that spikes
---@field at? string|number  when; default: now
---@field factor number      the spike, as a multiple of the normal rate (above 1)
---@field lasts string|number how long the spike lasts

---A short overload: a traffic source spikes to `factor` times its rate for
---`lasts`, then goes back to normal. That is the whole trigger. Whether the
---system recovers when the spike ends is up to the topology: with per-call
---timeouts shorter than the queueing delay, retries without budgets and
---clients that retry too, timed-out work is wasted, retries keep the load
---above capacity, and the overload outlives its cause (a metastable
---failure). Any surge set on the source before is reset to 1x at the end.
---@param o RetryStormOpts
function M.retry_storm(o)
  local fn = "retry_storm"
  check_opts(fn, o)
  o = copy(o)
  check_name(fn, "source", o.source, "sources", "traffic source")
  local factor = check_number(fn, "factor", o.factor, 1, 1000)
  if factor == 1 then error(fn .. ": factor: 1 is no spike", 2) end
  local when = o.at ~= nil and check_when(fn, o.at) or nil
  local lasts = check_duration(fn, "lasts", o.lasts)
  schedule(when, function()
    surge { source = o.source, factor = factor }
    wait(lasts)
    surge { source = o.source, factor = 1 }
  end)
end

---@class SurgeOnRecoveryOpts
---@field service string     a service on the entry path that fails
---@field at? string|number  when; default: now
---@field lasts string|number how long it fails
---@field region? string     only in this region; default: every region
---@field rate? number|string share of its requests that fail; default 100%

---An outage of the entry path (the service answers errors for `lasts`),
---after which the pent-up demand arrives. The surge is not scheduled here:
---it comes from the clients in the topology, users who `reattempt` after
---a failure, with their `patience` and `max_reattempts`, piling up on top
---of new arrivals while the service is down and all landing at recovery.
---Whether the service then holds depends on its capacity and autoscaling
---(`max`, `delay`, `rate`): the Tencent console needed ~9x.
---@param o SurgeOnRecoveryOpts
function M.surge_on_recovery(o)
  local fn = "surge_on_recovery"
  check_opts(fn, o)
  return fails_for(fn, copy(o), "service", "rate", "a failure rate of 0 is no outage")
end

---@class RegionOutageOpts
---@field region string      the region that goes dark
---@field at? string|number  when; default: now
---@field lasts string|number how long before power comes back

---A region goes dark: every instance of every service there crashes (its
---in-flight requests fail) and stays down for `lasts`. Then the instances
---are brought back and must be scheduled by their platforms like any new
---instance, so the order of recovery is the topology's: a service that
---`runs_on` a platform in the same region waits for that platform first.
---Monitoring deployed only there goes dark with it.
---
---The public API has no "power off" that keeps instances from being
---rescheduled, so the region is held down by scaling each service there to
---0 instances after the crash, and back to the count it had before; the
---timeline shows those scale lines. An autoscaled service is brought back
---to its `min` by its autoscaler before `lasts` is over.
---@param o RegionOutageOpts
function M.region_outage(o)
  local fn = "region_outage"
  check_opts(fn, o)
  o = copy(o)
  check_name(fn, "region", o.region, "regions", "region")
  local when = o.at ~= nil and check_when(fn, o.at) or nil
  local lasts = check_duration(fn, "lasts", o.lasts)
  local here = {}
  for _, svc in ipairs(names("services")) do
    for _, r in ipairs(deployed(svc)) do
      if r == o.region then here[#here + 1] = svc end
    end
  end
  if #here == 0 then
    error(("%s: nothing is deployed in %s"):format(fn, o.region), 2)
  end
  schedule(when, function()
    _event("fault", ("region %s goes dark: every instance there is lost for %s")
      :format(o.region, type(o.lasts) == "number" and (o.lasts .. "s") or o.lasts), nil, o.region)
    local had = {}
    for _, svc in ipairs(here) do
      had[svc] = instances(svc, o.region, "up") + instances(svc, o.region, "starting")
        + instances(svc, o.region, "waiting")
      if had[svc] > 0 then
        crash { service = svc, region = o.region }
        scale { service = svc, region = o.region, instances = 0 }
      end
    end
    wait(lasts)
    _event("action", ("power is back in %s: its instances are scheduled again"):format(o.region),
      nil, o.region)
    for _, svc in ipairs(here) do
      if had[svc] > 0 then scale { service = svc, region = o.region, instances = had[svc] } end
    end
  end)
end

return M
