/* A stand-in for the mysql.h of a mariadb-connector-c whose internal
 * structures differ from the 3.3 series (its read-ahead buffer is laid
 * out differently); used by compile-fail:connector_with_other_layout only. */
#pragma once
#include <stddef.h>
#define MARIADB_PACKAGE_VERSION "9.0.0"
#define MARIADB_PACKAGE_VERSION_ID 90000
typedef char my_bool;
enum enum_server_command { COM_BINLOG_DUMP = 18 };
typedef struct st_ma_pvio MARIADB_PVIO;
typedef struct st_mysql MYSQL;
struct st_mariadb_methods {
  int (*db_command)(MYSQL*, enum enum_server_command, const char*, size_t, my_bool, void*);
};
typedef struct st_net {
  MARIADB_PVIO* pvio;
  unsigned char* read_pos;
} NET;
struct st_mysql {
  NET net;
  const struct st_mariadb_methods* methods;
};
unsigned long mysql_get_client_version(void);
const char* mysql_get_client_info(void);
