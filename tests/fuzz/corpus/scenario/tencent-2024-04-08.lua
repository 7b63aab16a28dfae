-- Tencent Cloud API, 2024-04-08: a bad configuration push, a rollback that
-- did not help, a circular dependency in Shanghai, and a console surge.
-- What is modelled, from which line of the write-up, and what is assumed:
-- README.md beside this file.

scenario {
  name = "Tencent Cloud API, 2024-04-08",
  topology = "topology.yaml",
  start = "2024-04-08 15:00 +08:00",
  duration = "3h",
  report_rate = 0.01,
}

-- Knobs for ablations and sweeps.
local gray = param("gray_release", false)       -- stage the configuration data
local manual_restart = param("manual_restart", true)
local break_cycle = param("break_cycle", false)  -- tke schedules without the API
local client_retries = param("client_retries", true) -- clients retry, users come back

if break_cycle then
  remove_dependency { from = "tke", to = "cloud-api" }
end
if not client_retries then
  client { source = "console", retries = 0, reattempt = 0 }
  client { source = "paas", retries = 0, reattempt = 0 }
end

team { name = "api", skills = { "cloud-api", "api-config" }, oncall = 3,
       ack = "2m", diagnose = "10m" }
team { name = "platform", skills = { "tke" }, oncall = 1, ack = "5m", diagnose = "20m" }
team { name = "console", skills = { "console" }, oncall = 1, ack = "5m", diagnose = "10m" }

alert { name = "api-5xx", service = "cloud-api", when = "error_rate > 5%", hold = "3m" }
alert { name = "console-errors", entry = "console", when = "availability < 95%", hold = "2m" }

-- 15:20: the new API version ships. Its protocol change turns data from old
-- front ends into bad configuration, and the data has no gray release.
at("15:20", function()
  deploy {
    service = "cloud-api", version = "v2",
    stages = { 1.0 },
    config = { item = "api-config", writes = "bad",
               stages = gray and { 0.25, 1.0 } or { 1.0 } },
    every = "10m",
    halt_on = gray and { error_rate = 0.05 } or nil,
  }
end)

on_alert("api-5xx", function()
  declare("P0", "cloud API errors across regions; console logins failing")
  page("api")
  -- The standard plan: roll the code back. The bad data stays.
  act { team = "api", takes = "11m" }
  local failing = {}
  for _, region in ipairs(deployed("cloud-api")) do
    if not healthy("cloud-api", region) then failing[#failing + 1] = region end
  end
  if #failing > 0 then rollback { service = "cloud-api", regions = failing, batch = 2 } end
  if not wait_until(function() return healthy("cloud-api") end, "12m") then
    note("rolling back the version did not restore the service")
    diagnose { component = "api-config", team = "api" }
    note("root cause: erroneous configuration data")
    act { team = "api", takes = "5m" }               -- design the data repair
    repair_config("api-config")
  end
  wait("3m")
  for _, region in ipairs(deployed("cloud-api")) do
    if not healthy("cloud-api", region) then
      note(("cloud-api still down in %s"):format(region))
      diagnose { component = "tke", team = "platform" }
      if stalled("cloud-api", region) then
        note(("circular dependency in %s: tke needs cloud-api to schedule cloud-api"):format(region))
        shift_traffic { from = region, to = { "guangzhou", "beijing", "chengdu" } }
        if manual_restart then
          restart { service = "cloud-api", region = region, manual = true, takes = "20m",
                    team = "platform" }
        end
      end
    end
  end
end)

-- The console surge after recovery: more capacity by hand, as in the review.
on_alert("console-errors", function()
  wait_until(function() return healthy("cloud-api", "guangzhou") end, "2h")
  act { team = "console", takes = "30m" }
  scale { service = "console", max = 40 }
end)

expect.deadlock { region = "shanghai" }
expect.recovered_within("100m")
expect.peak_to_baseline { entry = "console", min = 5 }
expect.availability { entry = "paas", min = 0.4 }
