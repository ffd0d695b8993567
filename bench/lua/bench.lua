-- One wrk script for every scenario; BENCH_MODE picks it (see bench/README.md).
--   get     GET BENCH_PATH, with "Authorization: Bearer <access>" when BENCH_BEARER=1
--           (floor; me/ and session/ on the project; me/, me-stateless/ and me-redis/ on the anchor)
--   chain   POST BENCH_PATH with this connection's refresh token; the response's refresh
--           token is the next request's (rotation chain, one chain per connection); with
--           BENCH_REFRESH_COOKIE=<name> the token goes in that cookie and comes back in its
--           Set-Cookie header (django-jwt-allauth's default)
--   login   POST BENCH_PATH with username bench-N and the bench password
--   logout  POST BENCH_PATH with a refresh token from the pool, each used once
--   mixed   per connection: login, me, refresh, me ... logout, login again (the soak)
-- Run with as many threads as connections (-t N -c N): one connection per Lua state.
-- done() prints one line "BENCH_JSON {...}" that bench/run.py parses.

local mode = os.getenv("BENCH_MODE") or "get"
local path = os.getenv("BENCH_PATH") or "/"
local body_field = os.getenv("BENCH_REFRESH_FIELD") or "refresh_token"
local response_field = os.getenv("BENCH_RESPONSE_FIELD") or "refresh_token"
local user_count = tonumber(os.getenv("BENCH_USERS") or "50")
local password = os.getenv("BENCH_PASSWORD") or "bench-password-1"
local refreshes_per_session = tonumber(os.getenv("BENCH_REFRESHES") or "5")
local mes_per_token = tonumber(os.getenv("BENCH_MES") or "3")
local threads_total = tonumber(os.getenv("BENCH_THREADS") or "1")
local use_bearer = os.getenv("BENCH_BEARER") == "1"
local refresh_cookie = os.getenv("BENCH_REFRESH_COOKIE") or ""

local threads = {}
local started = 0

function setup(thread)
  started = started + 1
  thread:set("tid", started)
  table.insert(threads, thread)
end

local json_headers = {["Content-Type"] = "application/json"}
codes = {}
broken = 0
exhausted = 0
ops = {}
local access, refresh
local pool = {}
local next_index = 1
local step, state, user_index, mes, refreshes

local function field(body, name)
  return body:match('"' .. name .. '"%s*:%s*"([^"]+)"')
end

local function bearer(token)
  return {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}
end

local function count_op(name, status)
  local key = name .. " " .. status
  ops[key] = (ops[key] or 0) + 1
end

function init(args)
  local file = os.getenv("BENCH_TOKENS")
  if file and file ~= "" then
    local index = 0
    for line in io.lines(file) do
      -- Thread k takes lines k, k+T, k+2T ...: its own tokens, never another thread's.
      if index % threads_total == tid - 1 then
        local a, r = line:match("^(%S+)%s+(%S+)$")
        table.insert(pool, {a, r})
      end
      index = index + 1
    end
    if pool[1] then
      access, refresh = pool[1][1], pool[1][2]
    end
  end
  user_index = tid - 1
  state = "login"
  mes, refreshes = 0, 0
end

local function login_body()
  local body = string.format('{"username":"bench-%d","password":"%s"}', user_index % user_count, password)
  user_index = user_index + threads_total
  return body
end

function request()
  if mode == "get" then
    if use_bearer then
      return wrk.format("GET", path, bearer(access))
    end
    return wrk.format("GET", path)
  elseif mode == "chain" then
    if refresh_cookie ~= "" then
      return wrk.format("POST", path, {
        ["Content-Type"] = "application/json",
        ["Cookie"] = refresh_cookie .. "=" .. refresh,
      }, "{}")
    end
    return wrk.format("POST", path, json_headers, string.format('{"%s":"%s"}', body_field, refresh))
  elseif mode == "login" then
    return wrk.format("POST", path, json_headers, login_body())
  elseif mode == "logout" then
    local entry = pool[next_index]
    if entry == nil then
      exhausted = 1
      wrk.thread:stop()
      entry = pool[#pool]
    end
    return wrk.format("POST", path, json_headers, string.format('{"refresh_token":"%s"}', entry[2]))
  else
    if state == "login" then
      return wrk.format("POST", "/api/auth/login/", json_headers, login_body())
    elseif state == "me" then
      return wrk.format("GET", "/api/auth/me/", bearer(access))
    elseif state == "refresh" then
      return wrk.format("POST", "/api/auth/refresh/", json_headers, string.format('{"refresh_token":"%s"}', refresh))
    else
      return wrk.format("POST", "/api/auth/logout/", bearer(access))
    end
  end
end

function response(status, headers, body)
  codes[status] = (codes[status] or 0) + 1
  if mode == "chain" then
    local token
    if status == 200 and refresh_cookie ~= "" then
      local cookie = headers["Set-Cookie"] or headers["set-cookie"] or ""
      token = cookie:match(refresh_cookie .. "=([^;]+)")
    else
      token = status == 200 and field(body, response_field)
    end
    if token then
      refresh = token
    else
      -- The chain is broken: stop this connection rather than count a cascade of 401s.
      broken = broken + 1
      wrk.thread:stop()
    end
  elseif mode == "logout" then
    next_index = next_index + 1
  elseif mode == "mixed" then
    count_op(state, status)
    if state == "login" then
      if status == 200 then
        access, refresh = field(body, "access_token"), field(body, "refresh_token")
        state, mes, refreshes = "me", 0, 0
      end
    elseif state == "me" then
      mes = mes + 1
      if mes >= mes_per_token then
        mes = 0
        state = refreshes >= refreshes_per_session and "logout" or "refresh"
      end
    elseif state == "refresh" then
      local a, r = status == 200 and field(body, "access_token"), status == 200 and field(body, "refresh_token")
      if a and r then
        access, refresh = a, r
        refreshes = refreshes + 1
        state = "me"
      else
        broken = broken + 1
        state = "login"
      end
    else
      state = "login"
    end
  end
end

local function encode(value)
  if type(value) == "table" then
    local parts = {}
    for k, v in pairs(value) do
      table.insert(parts, string.format('"%s":%s', tostring(k), encode(v)))
    end
    return "{" .. table.concat(parts, ",") .. "}"
  end
  return tostring(value)
end

function done(summary, latency, requests)
  local all_codes, all_ops, total_broken, total_exhausted = {}, {}, 0, 0
  for _, thread in ipairs(threads) do
    for k, v in pairs(thread:get("codes")) do all_codes[k] = (all_codes[k] or 0) + v end
    for k, v in pairs(thread:get("ops")) do all_ops[k] = (all_ops[k] or 0) + v end
    total_broken = total_broken + thread:get("broken")
    total_exhausted = total_exhausted + thread:get("exhausted")
  end
  local result = {
    requests = summary.requests,
    duration_us = summary.duration,
    p50_us = latency:percentile(50),
    p99_us = latency:percentile(99),
    max_us = latency.max,
    errors = summary.errors,
    codes = all_codes,
    ops = all_ops,
    broken = total_broken,
    exhausted_threads = total_exhausted,
  }
  io.write("BENCH_JSON " .. encode(result) .. "\n")
end
