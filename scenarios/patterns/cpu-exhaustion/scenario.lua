-- CPU exhaustion: a rule pushed to every machine at once costs each
-- request so much CPU that the edge can serve a fraction of its traffic;
-- the rest queues, times out and fails, until the rule is killed
-- globally. The Cloudflare 2019-07-02 pattern. See README.md.

scenario {
  name = "pattern: CPU exhaustion",
  topology = "topology.yaml",
  start = "2019-07-02 13:35 +00:00",
  duration = "45m",
}

local cost = param("cost", "100ms")      -- CPU time the new rule adds to every request
local staged = param("staged", false)    -- --param staged=true: a staged rollout with a halt rule

team { name = "sre", skills = { "edge", "waf-rules" }, oncall = 2, ack = "2m", diagnose = "15m" }

alert { name = "edge-5xx", service = "edge", when = "error_rate > 5%", hold = "1m" }

-- 13:42: a new WAF managed rule goes to every machine at once: the rules
-- deploy has no staged rollout. Requests do not fail because of the rule;
-- each one that runs it costs CPU.
at("13:42", function()
  if not staged then
    note("new WAF managed rules pushed to every edge machine at once (no staged rollout)")
    write_config { item = "waf-rules", data = "bad", error_rate = 0, cost = { cpu = cost } }
    return
  end
  -- What a staged rollout would have done: one region first, and a halt
  -- rule on the latency of the requests the new rules served there.
  deploy { service = "edge", version = "rules-v2", stages = { 0.33, 1.0 }, every = "10m",
           config = { item = "waf-rules", error_rate = 0, cost = { cpu = cost } },
           halt_on = { p99 = "200ms" } }
end)

-- What the responders do: the page, a diagnosis that takes a while (the
-- first suspicion is an attack), then the global kill of the WAF managed
-- rules: good rules back everywhere at once.
on_alert("edge-5xx", function()
  declare("P0", "502s on the edge worldwide")
  page("sre")
  diagnose { component = "waf-rules", team = "sre", takes = "19m" }
  act { team = "sre", takes = "5m", what = "global kill of the WAF managed rules" }
  repair_config("waf-rules")
end)

-- Measured, not acted on: the busiest the edge got, and how far the
-- traffic it served fell.
local peak_util, low_ok, base_ok = 0, math.huge, nil
every("10s", function()
  local ok = metric("edge", "ok_rate")
  if now() < seconds("7m") then base_ok = ok end
  if now() > seconds("7m") then low_ok = math.min(low_ok, ok) end
  peak_util = math.max(peak_util, metric("edge", "utilisation"))
end)
at("13:50", function()
  note(("edge CPU %.0f%% busy, %.0f requests queued, p99 %.0fms"):format(
    metric("edge", "utilisation") * 100, metric("edge", "queue"), metric("edge", "p99") * 1000))
end)
at("14:15", function()
  note(("served traffic fell by %.0f%% at worst; CPU peaked at %.0f%% busy"):format(
    (1 - low_ok / base_ok) * 100, peak_util * 100))
end)

-- Whether the rules ever reached asia, the last region, sampled each minute.
local asia_hit = false
every("1m", function()
  if config_bad("waf-rules", "asia") then asia_hit = true end
end)

if staged then
  expect.that("halted before the other regions", function()
    return not asia_hit, asia_hit and "asia got the rules" or "asia never got the rules"
  end)
  expect.that("served traffic fell by less than half", function()
    local drop = base_ok and base_ok > 0 and 1 - low_ok / base_ok or 0
    return drop < 0.5, ("fell by %.0f%% at worst"):format(drop * 100)
  end)
  return
end

-- The rule pinned the CPU everywhere...
expect.that("CPU pinned on every edge", function()
  return peak_util > 0.95, ("CPU peaked at %.0f%% busy"):format(peak_util * 100)
end)
-- ...the traffic served fell by about four fifths (82% at Cloudflare)...
expect.that("served traffic fell by 70% to 90%", function()
  local drop = base_ok and base_ok > 0 and 1 - low_ok / base_ok or 0
  return drop > 0.7 and drop < 0.9, ("fell by %.0f%% at worst"):format(drop * 100)
end)
-- ...and the global kill ended it, about 27 minutes after the push.
expect.detected_within("3m")
expect.that("the global kill ended it in 20 to 35 minutes", function(sum)
  local d = sum.incident.duration
  return d ~= nil and d > 20 * 60 and d < 35 * 60,
    d and ("incident lasted %.1f min"):format(d / 60) or "no incident"
end)
