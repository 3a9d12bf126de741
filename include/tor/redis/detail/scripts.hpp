// The two Lua scripts that make ownership and saving atomic in Redis.
//
// Two keys are involved: the checkpoint key (a plain string holding the JSON
// document, so operators can GET it) and `<key>:owner`, a hash with the
// current owner `epoch`, its `holder` (host:pid) and `claimed_at`. An
// instance claims at start by incrementing the epoch; every save runs the
// save script, which refuses when a newer epoch has claimed the key, so a
// stale instance can never move the checkpoint once a newer one started.
// Errors use their own codes (TORFENCED, TORWRONGTYPE, TORBADOWNER) so the
// client can tell them from server errors.
#pragma once

#include <string_view>

namespace tor::redis::detail {

/// KEYS[1] checkpoint key, KEYS[2] owner hash; ARGV[1] holder, ARGV[2] claimed_at.
/// Claims the next epoch and reads the checkpoint in the same atomic step, so
/// what it returns is final: no older owner can write after the claim.
/// Returns {epoch, type of KEYS[1], value when it is a string}.
inline constexpr std::string_view claim_script = R"lua(
local kind = redis.call('TYPE', KEYS[2])['ok']
if kind ~= 'none' and kind ~= 'hash' then
  return redis.error_reply('TORBADOWNER the owner key holds a ' .. kind .. ', not a hash')
end
local current = redis.call('HGET', KEYS[2], 'epoch')
if current and not tonumber(current) then
  return redis.error_reply('TORBADOWNER the owner epoch is not a number: ' .. string.sub(current, 1, 60))
end
local epoch = redis.call('HINCRBY', KEYS[2], 'epoch', 1)
redis.call('HSET', KEYS[2], 'holder', ARGV[1], 'claimed_at', ARGV[2])
local checkpoint_kind = redis.call('TYPE', KEYS[1])['ok']
if checkpoint_kind == 'string' then
  return {epoch, checkpoint_kind, redis.call('GET', KEYS[1])}
end
return {epoch, checkpoint_kind}
)lua";

/// KEYS[1] checkpoint key, KEYS[2] owner hash;
/// ARGV[1] the saver's epoch, ARGV[2] the document, ARGV[3] holder, ARGV[4] now.
/// Refuses when a newer epoch holds the key. When the owner record is older
/// than the saver's epoch (it was deleted, or lost with an unpersisted
/// Redis) the saver re-establishes it, so epochs only ever grow.
inline constexpr std::string_view save_script = R"lua(
local kind = redis.call('TYPE', KEYS[2])['ok']
if kind ~= 'none' and kind ~= 'hash' then
  return redis.error_reply('TORBADOWNER the owner key holds a ' .. kind .. ', not a hash')
end
local raw = redis.call('HGET', KEYS[2], 'epoch')
local current = 0
if raw then
  current = tonumber(raw)
  if not current then
    return redis.error_reply('TORBADOWNER the owner epoch is not a number: ' .. string.sub(raw, 1, 60))
  end
end
local mine = tonumber(ARGV[1])
if current > mine then
  local holder = redis.call('HGET', KEYS[2], 'holder') or 'an unknown holder'
  local claimed_at = redis.call('HGET', KEYS[2], 'claimed_at') or 'an unknown time'
  return redis.error_reply('TORFENCED ' .. raw .. ' ' .. holder .. ' at ' .. claimed_at)
end
if current < mine then
  redis.call('HSET', KEYS[2], 'epoch', ARGV[1], 'holder', ARGV[3], 'claimed_at', ARGV[4])
end
local checkpoint_kind = redis.call('TYPE', KEYS[1])['ok']
if checkpoint_kind ~= 'none' and checkpoint_kind ~= 'string' then
  return redis.error_reply('TORWRONGTYPE ' .. checkpoint_kind)
end
redis.call('SET', KEYS[1], ARGV[2])
return current
)lua";

}  // namespace tor::redis::detail
