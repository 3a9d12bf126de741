/* See mysql.h here: the read-ahead buffer of this stand-in connector is a
 * ring (head/tail), not cache/cache_pos/cache_size. */
#pragma once
struct st_ma_pvio {
  void* data;
  unsigned char* ring;
  size_t head, tail;
};
