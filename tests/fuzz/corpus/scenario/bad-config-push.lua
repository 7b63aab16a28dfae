-- Bad configuration push: a release writes bad routing data. With a gray
-- release and a halt rule it stops after the first region; the rollback
-- that follows does not fix the data, a repair does. See README.md.
local patterns = require("firedrill.patterns")
local playbooks = require("firedrill.playbooks")

scenario {
  name = "pattern: bad configuration push",
  topology = "topology.yaml",
  start = "2024-04-08 10:00 +08:00",
  duration = "1h",
}

local gray = param("gray", true)        -- --param gray=false: everything at once

team { name = "api", skills = { "api", "routing" }, oncall = 2, ack = "2m", diagnose = "10m" }

alert { name = "api-5xx", service = "api", when = "error_rate > 5%", hold = "2m" }

patterns.bad_config_push {
  service = "api", item = "routing", version = "v2", at = "10:05",
  gray = gray and { 0.5, 1.0 } or nil, every = "10m",
  halt_on = gray and { error_rate = 0.05 } or nil,
}

on_alert("api-5xx", function()
  declare("P1", "api errors after the v2 release")
  page("api")
  playbooks.rollback_then_repair { service = "api", item = "routing", team = "api", verify = "8m" }
end)

-- Whether the bad data ever reached west, sampled each minute.
local west_hit = false
every("1m", function()
  if config_bad("routing", "west") then west_hit = true end
end)

if gray then
  expect.that("halted before west", function()
    return not west_hit, west_hit and "west got bad data" or "west never got bad data"
  end)
  expect.availability { entry = "web", min = 0.6 }
end
expect.recovered_within("45m")
