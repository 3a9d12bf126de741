// The Lua scripts of the hot-standby lease (tor/redis/lease.hpp). Each is
// one atomic step in Redis that compares the caller's token with the lease's
// before it changes anything. The lease key is a string (the holder's token)
// with a TTL; the term record a hash (`term`, `holder`) without one.
// TORBADLEASE marks keys holding something else.
#pragma once

#include <string_view>

namespace tor::redis::detail {

/// KEYS[1] lease, KEYS[2] term record; ARGV[1] token, ARGV[2] TTL in ms.
/// Returns {1, term, previous holder} when the caller holds the lease now
/// (taken, or already its own: then extended), else {0, 0, current holder}.
inline constexpr std::string_view lease_acquire_script = R"lua(
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind ~= 'none' and kind ~= 'string' then
  return redis.error_reply('TORBADLEASE the lease key holds a ' .. kind .. ', not a string')
end
local record = redis.call('TYPE', KEYS[2])['ok']
if record ~= 'none' and record ~= 'hash' then
  return redis.error_reply('TORBADLEASE the term record holds a ' .. record .. ', not a hash')
end
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1, tonumber(redis.call('HGET', KEYS[2], 'term') or '0') or 0, ''}
end
if current then
  return {0, 0, current}
end
local previous = redis.call('HGET', KEYS[2], 'holder') or ''
if previous == ARGV[1] then previous = '' end
local term = redis.call('HINCRBY', KEYS[2], 'term', 1)
redis.call('HSET', KEYS[2], 'holder', ARGV[1])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {1, term, previous}
)lua";

/// KEYS[1] lease; ARGV[1] token, ARGV[2] TTL in ms. 1 when extended, 0 when
/// the caller no longer holds the lease.
inline constexpr std::string_view lease_renew_script = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
)lua";

/// KEYS[1] lease; ARGV[1] token. Deletes the lease when the caller holds it;
/// 1 when it did.
inline constexpr std::string_view lease_release_script = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
)lua";

}  // namespace tor::redis::detail
