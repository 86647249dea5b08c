/**
 * Server-side scripts. Each touches exactly one key (KEYS[1]), so it runs atomically on
 * the node that owns that slot, Redis Cluster included.
 */

/**
 * Keeps a running handler's pending entries fresh. For each id still owned by this
 * consumer, XCLAIM ... JUSTID to itself resets the idle time so no other replica's
 * XAUTOCLAIM takes it. An id another consumer already claimed is not taken back (that
 * would run the handler twice in parallel); it is returned as lost. An id no longer
 * pending at all was acknowledged (its handler finished between the caller's snapshot
 * and this script): it is neither refreshed nor lost.
 *
 * ARGV: group, consumer, id...
 */
export const HEARTBEAT_SCRIPT = `
local mine = {}
local lost = {}
for i = 3, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if #p == 1 then
    if p[1][2] == ARGV[2] then
      mine[#mine + 1] = ARGV[i]
    else
      lost[#lost + 1] = ARGV[i]
    end
  end
end
if #mine > 0 then
  -- unpack must be the last argument or Lua truncates it to one value.
  mine[#mine + 1] = 'JUSTID'
  redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, unpack(mine))
end
return lost
`;

/**
 * Trims a grouped stream below what every consumer group has acknowledged.
 *
 * For each group the safe point is its oldest pending id when it has pending entries
 * (everything older was delivered and acknowledged), else its last-delivered id
 * (everything up to it was delivered and acknowledged). XTRIM MINID with the smallest
 * safe point over all groups removes only entries every group has acknowledged;
 * entries not yet delivered to some group lie above that group's last-delivered id and
 * are kept. A stream without groups is left alone. Returns the number of entries removed.
 */
export const TRIM_SCRIPT = `
local function older(a, b)
  local ams, aseq = string.match(a, '^(%d+)-(%d+)$')
  local bms, bseq = string.match(b, '^(%d+)-(%d+)$')
  ams, aseq, bms, bseq = tonumber(ams), tonumber(aseq), tonumber(bms), tonumber(bseq)
  if ams ~= bms then return ams < bms end
  return aseq < bseq
end
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local groups = redis.call('XINFO', 'GROUPS', KEYS[1])
if #groups == 0 then return 0 end
local floor = nil
for _, g in ipairs(groups) do
  local info = {}
  for i = 1, #g, 2 do info[g[i]] = g[i + 1] end
  local point = info['last-delivered-id']
  if info['pending'] > 0 then
    local summary = redis.call('XPENDING', KEYS[1], info['name'])
    point = summary[2]
  end
  if floor == nil or older(point, floor) then floor = point end
end
if floor == '0-0' then return 0 end
return redis.call('XTRIM', KEYS[1], 'MINID', floor)
`;
