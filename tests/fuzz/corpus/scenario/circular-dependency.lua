-- Circular dependency: a routine redeploy of the API in one region takes
-- every instance down at once, and the platform that must bring them back
-- needs the API to do it. See README.md.
local patterns = require("firedrill.patterns")
local playbooks = require("firedrill.playbooks")

scenario {
  name = "pattern: circular dependency",
  topology = "topology.yaml",
  start = "2024-04-08 10:00 +08:00",
  duration = "45m",
}

team { name = "api", skills = { "api" }, oncall = 2, ack = "2m", diagnose = "5m" }
team { name = "platform", skills = { "platform" }, oncall = 1, ack = "5m", diagnose = "10m" }

alert { name = "app-down", entry = "app", when = "availability < 95%", hold = "1m" }

-- 10:05: all of west's API instances restarted through the platform at once.
patterns.circular_dependency { service = "api", region = "west", at = "10:05" }

on_alert("app-down", function()
  declare("P1", "app failing for users in west")
  page("api")
  diagnose { component = "api", team = "api" }
  -- Users to east first, then restart west by hand, bypassing the platform.
  playbooks.redirect_region { service = "api", region = "west", to = "east", team = "api",
                              takes = "3m", break_glass = "10m" }
end)

-- West's API serving again at the end, sampled just before it.
local west_back = false
at("10:44", function() west_back = instances("api", "west", "up") > 0 end)

expect.deadlock { region = "west" }
expect.recovered_within("20m")
expect.availability { entry = "app", min = 0.8 }
expect.that("west back after break-glass", function()
  return west_back, west_back and "api up in west" or "api still down in west"
end)
