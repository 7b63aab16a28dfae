-- firedrill.expect: pass/fail expectations checked at the end of a run.
--
-- Each expectation registers a check that receives the run's summary (the
-- incident clock and per-entry figures) and returns ok and a detail line.
-- `pass_rate` says what share of a batch's runs must pass (default 1).

local M = {}

local function pct(x) return string.format("%.2f%%", x * 100) end
local function mins(s) return string.format("%.1f min", s / 60) end

local function entry_of(summary, name)
  local e = summary.entries[name]
  if not e then error(("no entry point named '%s'"):format(name), 0) end
  return e
end

local function need(o, key, fn)
  if type(o) ~= "table" then error(("expect.%s: expected a table of options"):format(fn), 3) end
  if o[key] == nil then error(("expect.%s: '%s' is required"):format(fn, key), 3) end
end

-- Unknown keys are errors with a did-you-mean, against the same table of
-- options (engine/script/api_schema.c) as every engine function. `o` may
-- be nil where the options are optional.
local function keys(fn, o)
  if o ~= nil then _check_options("expect." .. fn, o, 3) end
end

-- A number between lo and hi, or a clear error at the caller's line.
local function number(o, key, fn, lo, hi)
  local v = o[key]
  if type(v) ~= "number" or v < lo or v > hi then
    error(("expect.%s: '%s' must be a number from %g to %g"):format(fn, key, lo, hi), 3)
  end
  return v
end

-- Checks entry names when the expectation is declared, not at the end.
local function check_entry(name, fn)
  for _, s in ipairs(names("sources")) do
    if s == name then return end
  end
  error(("expect.%s: unknown entry point '%s'"):format(fn, name), 3)
end

---expect.availability{ entry = "console", min = 0.5 [, over = "incident"] [, pass_rate = 0.95] }
---over = "run" (the default): the whole run; "incident": from the incident's
---start to its recovery (or the end of the run); passes when none started.
function M.availability(o)
  keys("availability", o)
  need(o, "entry", "availability"); need(o, "min", "availability")
  number(o, "min", "availability", 0, 1)
  check_entry(o.entry, "availability")
  local over = o.over or "run"
  if over ~= "run" and over ~= "incident" then
    error(("expect.availability: over must be \"run\" or \"incident\", not '%s'"):format(tostring(over)), 2)
  end
  local label = over == "incident" and " over the incident" or ""
  _expect(("availability(%s)%s >= %s"):format(o.entry, label, pct(o.min)), function(sum)
    local e = entry_of(sum, o.entry)
    local a = e.availability
    if over == "incident" then
      if not sum.incident.start then return true, "no incident started" end
      a = e.incident_availability
    end
    return a >= o.min, ("availability of %s intents%s was %s"):format(o.entry, label, pct(a))
  end, o.pass_rate)
end

---expect.error_budget{ entry = "console", slo = 0.999, window = "30d" }:
---the run's failures must fit in the error budget of the window.
function M.error_budget(o)
  keys("error_budget", o)
  need(o, "entry", "error_budget"); need(o, "slo", "error_budget")
  number(o, "slo", "error_budget", 0, 1)
  check_entry(o.entry, "error_budget")
  local window = seconds(o.window or "30d")
  _expect(("error_budget(%s, %s over %s)"):format(o.entry, pct(o.slo), o.window or "30d"),
    function(sum)
      local e = entry_of(sum, o.entry)
      local budget = (1 - o.slo) * window
      local spent = (1 - e.availability) * sum.duration
      return spent <= budget,
        ("spent %s of a %s budget (%s)"):format(mins(spent), mins(budget), pct(spent / budget))
    end, o.pass_rate)
end

---expect.recovered_within("100m"): recovered minus start.
function M.recovered_within(limit, o)
  keys("recovered_within", o)
  local lim = seconds(limit)
  _expect(("recovered within %s"):format(limit), function(sum)
    local inc = sum.incident
    if not inc.start then return true, "no incident started" end
    if not inc.recovered then return false, "never recovered" end
    return inc.duration <= lim, ("recovered after %s"):format(mins(inc.duration))
  end, o and o.pass_rate)
end

---expect.mitigated_within("30m"): mitigated (every entry point back above
---its objective) minus start.
function M.mitigated_within(limit, o)
  keys("mitigated_within", o)
  local lim = seconds(limit)
  _expect(("mitigated within %s"):format(limit), function(sum)
    local inc = sum.incident
    if not inc.start then return true, "no incident started" end
    if not inc.mitigated then return false, "never mitigated" end
    local d = inc.mitigated - inc.start
    return d <= lim, ("mitigated after %s"):format(mins(math.max(d, 0)))
  end, o and o.pass_rate)
end

---expect.detected_within("10m"): detected minus start.
function M.detected_within(limit, o)
  keys("detected_within", o)
  local lim = seconds(limit)
  _expect(("detected within %s"):format(limit), function(sum)
    local inc = sum.incident
    if not inc.start then return true, "no incident started" end
    if not inc.detected then return false, "never detected" end
    local d = inc.detected - inc.start
    return d <= lim, ("detected after %s"):format(mins(math.max(d, 0)))
  end, o and o.pass_rate)
end

---expect.peak_to_baseline{ entry = "console", max = 3 } (or min = 5):
---the highest rate of users' attempts (first attempts, user re-attempts,
---deferred work coming back; no automatic retries) after the incident
---started, against the rate before it. with_retries = true counts every
---attempt, automatic client retries included (a retry storm).
function M.peak_to_baseline(o)
  keys("peak_to_baseline", o)
  need(o, "entry", "peak_to_baseline")
  if o.min == nil and o.max == nil then
    error("expect.peak_to_baseline: give min, max or both", 2)
  end
  if o.min ~= nil then number(o, "min", "peak_to_baseline", 0, math.huge) end
  if o.max ~= nil then number(o, "max", "peak_to_baseline", 0, math.huge) end
  check_entry(o.entry, "peak_to_baseline")
  local label = o.min and o.max and ("in " .. o.min .. ".." .. o.max)
    or o.max and ("<= " .. o.max) or (">= " .. o.min)
  local field = o.with_retries and "peak_attempts_to_baseline" or "peak_to_baseline"
  local what = o.with_retries and "peak traffic with retries" or "peak users' traffic"
  _expect(("%s(%s) %s"):format(o.with_retries and "peak_attempts_to_baseline" or "peak_to_baseline",
    o.entry, label), function(sum)
    local r = entry_of(sum, o.entry)[field]
    local ok = (not o.max or r <= o.max) and (not o.min or r >= o.min)
    return ok, ("%s was %.1fx the baseline"):format(what, r)
  end, o.pass_rate)
end

---expect.no_deadlock(): no circular wait among schedulers.
function M.no_deadlock(o)
  keys("no_deadlock", o)
  _expect("no deadlock", function(sum)
    local d = sum.deadlocks[1]
    if not d then return true, "no deadlock" end
    return false, ("deadlock in %s: %s"):format(d.region, d.cycle)
  end, o and o.pass_rate)
end

---expect.deadlock{ region = "shanghai" }: the run must show one. It asserts
---that the outage was reproduced, and its name says so.
function M.deadlock(o)
  keys("deadlock", o)
  o = o or {}
  _expect(("reproduced: deadlock%s"):format(o.region and (" in " .. o.region) or ""), function(sum)
    for _, d in ipairs(sum.deadlocks) do
      if not o.region or d.region == o.region then
        return true, ("%s: %s"):format(d.region, d.cycle)
      end
    end
    return false, "not reproduced: no deadlock"
  end, o.pass_rate)
end

---expect.status_updates{ every = "30m" }: while the incident lasts (from
---its detection to its recovery, or the end of the run) the status page
---gets a notice at least this often: the first within `every` of the
---detection, each next within `every` of the one before, and the last
---within `every` of the recovery. Passes when no incident started.
function M.status_updates(o)
  keys("status_updates", o)
  need(o, "every", "status_updates")
  local every = seconds(o.every)
  _expect(("status page updated every %s"):format(o.every), function(sum)
    local st = sum.status
    if not sum.incident.start then return true, "no incident started" end
    if not st.longest_gap then return false, "no notice went out while the incident lasted" end
    return st.longest_gap <= every, ("longest time without a notice: %s"):format(mins(st.longest_gap))
  end, o.pass_rate)
end

---expect.first_notice{ within = "15m" }: the first notice goes out within
---this long of the detection (of the start, when nobody detected it).
function M.first_notice(o)
  keys("first_notice", o)
  need(o, "within", "first_notice")
  local lim = seconds(o.within)
  _expect(("first notice within %s"):format(o.within), function(sum)
    local inc = sum.incident
    if not inc.start then return true, "no incident started" end
    local from = inc.detected or inc.start
    local first = sum.status.first_notice
    if not first then return false, "no notice went out" end
    local d = math.max(first - from, 0)
    return d <= lim, ("first notice %s after %s"):format(mins(d), inc.detected and "detection" or "the start")
  end, o.pass_rate)
end

---expect.that("name", function(summary) return ok, detail end)
function M.that(name, fn, o)
  if type(fn) ~= "function" then error("expect.that: a check function is required", 2) end
  keys("that", o)
  _expect(name, fn, o and o.pass_rate)
end

return M
