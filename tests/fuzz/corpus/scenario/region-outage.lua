-- Region outage: west goes dark for 20 minutes. Its users fail until power
-- returns (or until they are redirected), and the region then comes back in
-- the order its platform allows. See README.md.
local patterns = require("firedrill.patterns")
local playbooks = require("firedrill.playbooks")

scenario {
  name = "pattern: region outage",
  topology = "topology.yaml",
  start = "2024-06-12 10:00 +00:00",
  duration = "45m",
}

local redirect = param("redirect", false)   -- --param redirect=true: move west's users

team { name = "sre", skills = { "web", "kube" }, oncall = 2, ack = "3m", diagnose = "5m" }

alert { name = "users-down", entry = "users", when = "availability < 95%", hold = "1m" }

-- 10:05 to 10:25: west is lost.
patterns.region_outage { region = "west", at = "10:05", lasts = "20m" }

on_alert("users-down", function()
  declare("P1", "users in west cannot reach the site")
  page("sre")
  status_page { text = "Users in the west region cannot reach the site." }
  diagnose { component = "web", team = "sre" }
  if redirect then
    playbooks.redirect_region { service = "web", region = "west", to = "east", team = "sre" }
  else
    note("west is dark: the team waits for the provider to restore power")
  end
end)

-- When kube and api serve again in west, sampled every 10s.
local back = {}
every("10s", function()
  for _, svc in ipairs({ "kube", "api", "db" }) do
    if not back[svc] and now() > seconds("26m") and instances(svc, "west", "up") > 0 then
      back[svc] = now()
    end
  end
end)

expect.recovered_within(redirect and "20m" or "30m")
expect.availability { entry = "users", min = 0.6 }
expect.that("kube back before api in west", function()
  local k, a = back.kube, back.api
  if not (k and a) then return false, "west did not come back" end
  return k < a, ("kube back at +%.0fs, api at +%.0fs after power returned"):format(
    k - seconds("25m"), a - seconds("25m"))
end)
