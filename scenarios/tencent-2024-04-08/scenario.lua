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
local pent_up = param("pent_up", true)           -- users put work aside and bring it back
-- The status page: the write-up quotes no notice during the incident (the
-- analysis came on April 14), and the review promises a StatusPage that
-- stays accurate "even during cloud service failures". notify = true is
-- that promise (a notice at declaration, an update every 30 minutes);
-- status_host = "cloud-api" hosts the page on the failed API.
local notify = param("notify", false)
local status_host = param("status_host", "status-page")

if break_cycle then
  remove_dependency { from = "tke", to = "cloud-api" }
end
if not client_retries then
  client { source = "console", retries = 0, reattempt = 0 }
  client { source = "paas", retries = 0, reattempt = 0 }
end
if not pent_up then
  client { source = "console", defer = 0 }
end

-- The responders. Human times are distributions (a median and a 99th
-- percentile); the medians put the replay's moments at the published
-- ones, and the tails are the spread a batch over seeds shows.
team { name = "api", skills = { "cloud-api", "api-config" }, oncall = 3,
       ack = { median = "2m", p99 = "8m" }, diagnose = { median = "9m", p99 = "30m" } }
team { name = "platform", skills = { "tke" }, oncall = 1,
       ack = { median = "3m", p99 = "12m" }, handoff = { median = "3m", p99 = "10m" },
       diagnose = { median = "10m", p99 = "40m" } }
team { name = "console", skills = { "console" }, oncall = 1,
       ack = { median = "4m", p99 = "15m" } }

alert { name = "api-5xx", service = "cloud-api", when = "error_rate > 5%", hold = "2m", page = "api" }
alert { name = "console-errors", entry = "console", when = "availability < 95%", hold = "2m",
        page = "console" }

-- The incident. 15:20: the new API version ships. Its protocol change
-- turns data from old front ends into bad configuration, and the data has
-- no gray release.
at("15:21", function()
  deploy {
    service = "cloud-api", version = "v2",
    stages = { 1.0 },
    config = { item = "api-config", writes = "bad",
               stages = gray and { 0.25, 1.0 } or { 1.0 } },
    every = "10m",
    halt_on = gray and { error_rate = 0.05 } or nil,
  }
end)

-- ---------------------------------------------------------------------
-- The reference response: what each team does once it acknowledges a
-- page. In a game day people play these teams instead (firedrill gameday
-- --play api,platform,console): these handlers then do not run, and the
-- pages go to the people. Everything above is the incident, and runs
-- either way.
-- ---------------------------------------------------------------------

-- The API team: the standard plan first (roll the code back; the bad data
-- stays), then the data, then whatever region still does not come back.
on_page("api", function()
  declare("P0", "cloud API errors across regions; console logins failing")
  if notify then
    after(0, function()
      status_page { text = "Cloud API errors: console logins and cloud services failing; investigating",
                    host = status_host }
      while not healthy("cloud-api") do
        wait("30m")
        if not healthy("cloud-api") then
          status_page { text = "Cloud API still failing in some regions; recovery in progress",
                        state = "identified", host = status_host }
        end
      end
      status_page { text = "Cloud API and console recovered", state = "resolved", host = status_host }
    end)
  end
  act { team = "api", takes = { median = "10m", p99 = "25m" }, what = "start the standard rollback plan" }
  local failing = {}
  for _, region in ipairs(deployed("cloud-api")) do
    if not healthy("cloud-api", region) then failing[#failing + 1] = region end
  end
  if #failing > 0 then rollback { service = "cloud-api", regions = failing, batch = 2 } end
  if not wait_until(function() return healthy("cloud-api") end, "12m") then
    note("rolling back the version did not restore the service")
    diagnose { component = "api-config", team = "api" }
    if config_bad("api-config") then note("root cause: erroneous configuration data") end
    act { team = "api", takes = { median = "5m", p99 = "15m" }, what = "design the data repair" }
    repair_config("api-config")
  end
  wait("3m")
  for _, region in ipairs(deployed("cloud-api")) do
    if not healthy("cloud-api", region) then
      note(("cloud-api still down in %s"):format(region))
      page("platform", { from = "api", why = ("cloud-api does not come back in %s"):format(region) })
    end
  end
end)

-- The platform team: why does cloud-api not start? In Shanghai its
-- instances wait for tke, which needs cloud-api to schedule them.
on_page("platform", function()
  diagnose { component = "tke", team = "platform" }
  for _, region in ipairs(deployed("cloud-api")) do
    if stalled("cloud-api", region) then
      note(("circular dependency in %s: tke needs cloud-api to schedule cloud-api"):format(region))
      local others = {}
      for _, r in ipairs({ "guangzhou", "beijing", "chengdu", "shanghai" }) do
        if r ~= region then others[#others + 1] = r end
      end
      shift_traffic { from = region, to = others }
      if manual_restart then
        restart { service = "cloud-api", region = region, manual = true, team = "platform",
                  takes = { median = "14m", p99 = "35m" } }
      end
    end
  end
end)

-- The console team: the console cannot serve until the API is back in
-- every region. Once it is back in most, the team gets more capacity
-- approved for the users who will return with their pent-up work; the
-- autoscaler does the expansion when they come.
on_page("console", function()
  wait_until(function() return healthy("cloud-api", "guangzhou") end, "3h")
  act { team = "console", takes = { median = "15m", p99 = "45m" },
        what = "get console capacity approved for the returning users" }
  scale { service = "console", max = 40 }
end)

-- For a game day's facilitator: a second failure to fire if the players
-- are ahead, and hints to give if they are stuck.
inject {
  name = "render-crash",
  what = "half of the console's render tier in Guangzhou crashes",
  run = function() crash { service = "console-render", region = "guangzhou", count = 4 } end,
}
hint("The rollback put the old code back. What did the new version write that the old one still reads?")
hint("Look at why cloud-api does not start in Shanghai: what schedules its instances, and what does that need?")
hint("When the API is back, the users come back with the work they put aside: is the console ready for them?")

expect.deadlock { region = "shanghai" }
if notify then
  expect.first_notice { within = "10m" }
  expect.status_updates { every = "30m" }
end
expect.recovered_within("120m", { pass_rate = 0.95 })
expect.peak_to_baseline { entry = "console", min = 5 }
expect.availability { entry = "paas", min = 0.4 }
