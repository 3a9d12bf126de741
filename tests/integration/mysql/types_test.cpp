// Every column type round-trips: what SQL wrote is what the source decodes,
// compared column by column with the server's own reading of the row.
#include "mariadb_fixture.hpp"

#include <cmath>
#include <cstdlib>

using namespace tor::mysql;
using namespace tor::mysql::it;

namespace {

enum class kind { integer, float_, double_, decimal, text, bytes, bit, date, time, datetime, timestamp };

struct column {
  const char* name;
  const char* type;
  kind k;
};

// YEAR sits before a signed TINYINT on purpose: MariaDB counts YEAR among
// the columns its signedness bitmap describes.
const std::vector<column> columns = {
    {"ti", "TINYINT", kind::integer}, {"tu", "TINYINT UNSIGNED", kind::integer},
    {"si", "SMALLINT", kind::integer}, {"su", "SMALLINT UNSIGNED", kind::integer},
    {"mi", "MEDIUMINT", kind::integer}, {"mu", "MEDIUMINT UNSIGNED", kind::integer},
    {"ii", "INT", kind::integer}, {"iu", "INT UNSIGNED", kind::integer},
    {"bi", "BIGINT", kind::integer}, {"bu", "BIGINT UNSIGNED", kind::integer},
    {"y", "YEAR", kind::integer}, {"ts8", "TINYINT", kind::integer},
    {"f", "FLOAT", kind::float_}, {"d", "DOUBLE", kind::double_},
    {"d1", "DECIMAL(10,3)", kind::decimal}, {"d2", "DECIMAL(65,30)", kind::decimal}, {"d3", "DECIMAL(5,0)", kind::decimal},
    {"c36", "CHAR(36)", kind::text}, {"c100", "CHAR(100)", kind::text}, {"b16", "BINARY(16)", kind::bytes},
    {"vc", "VARCHAR(500)", kind::text}, {"vb", "VARBINARY(300)", kind::bytes},
    {"vl", "VARCHAR(20) CHARACTER SET latin1", kind::text},
    {"tt", "TINYTEXT", kind::text}, {"t", "TEXT", kind::text}, {"mt", "MEDIUMTEXT", kind::text}, {"lt", "LONGTEXT", kind::text},
    {"tb", "TINYBLOB", kind::bytes}, {"b", "BLOB", kind::bytes}, {"mb", "MEDIUMBLOB", kind::bytes}, {"lb", "LONGBLOB", kind::bytes},
    {"j", "JSON", kind::text}, {"e", "ENUM('new','sent','it''s')", kind::text}, {"s", "SET('a','b','c')", kind::text},
    {"bt1", "BIT(1)", kind::bit}, {"bt64", "BIT(64)", kind::bit},
    {"dt", "DATE", kind::date},
    {"tm0", "TIME", kind::time}, {"tm3", "TIME(3)", kind::time}, {"tm6", "TIME(6)", kind::time},
    {"dtm0", "DATETIME", kind::datetime}, {"dtm2", "DATETIME(2)", kind::datetime}, {"dtm6", "DATETIME(6)", kind::datetime},
    {"ts0", "TIMESTAMP NULL", kind::timestamp}, {"ts3", "TIMESTAMP(3) NULL", kind::timestamp},
    {"ts6", "TIMESTAMP(6) NULL", kind::timestamp},
    {"g", "GEOMETRY", kind::bytes}, {"pt", "POINT", kind::bytes},
    {"vcc", "VARCHAR(1000) COMPRESSED", kind::text}, {"bc", "BLOB COMPRESSED", kind::bytes},
};

// Rows as SQL literals, in column order (after id). Written with the
// session in +03:00, so TIMESTAMP values prove decoding is UTC.
const std::vector<std::string> rows = {
    // minimums and negatives
    "-128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0, 1901, -1, -3.40282e38, "
    "-1.7976931348623157e308, -9999999.999, '-99999999999999999999999999999999999.999999999999999999999999999999', "
    "-99999, '', '', X'', '', X'', '', '', '', '', '', X'', X'', X'', X'', '[]', 'new', '', b'0', b'0', "
    "'1000-01-01', '-838:59:59', '-838:59:59.999', '-00:00:00.000001', '1000-01-01 00:00:00', "
    "'1000-01-01 00:00:00.01', '1000-01-01 00:00:00.000001', '1970-01-01 03:00:01', '1970-01-01 03:00:01.001', "
    "'1970-01-01 03:00:01.000001', ST_GeomFromText('POINT(0 0)'), ST_GeomFromText('POINT(-1.5 2.25)'), '', X''",
    // maximums, multi-byte text, binary with zero bytes
    "127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295, 9223372036854775807, "
    "18446744073709551615, 2155, 127, 3.40282e38, 1.7976931348623157e308, 9999999.999, "
    "'99999999999999999999999999999999999.999999999999999999999999999999', 99999, "
    "'123e4567-e89b-12d3-a456-426614174000', REPEAT('😀', 100), X'00FF00FF00FF00FF00FF00FF00FF0000', "
    "REPEAT('é', 500), REPEAT(X'00FF', 150), 'café€', REPEAT('t', 255), REPEAT('ü😀', 1000), REPEAT('m', 70000), "
    "REPEAT('l', 70000), REPEAT(X'01', 255), REPEAT(X'02', 65535), REPEAT(X'03', 70000), REPEAT(X'04', 70000), "
    "'{\"a\": [1, 2.5, \"😀\"], \"b\": null}', 'it''s', 'a,b,c', b'1', "
    "b'1111111111111111111111111111111111111111111111111111111111111111', '9999-12-31', '838:59:59', "
    "'838:59:59.999', '838:59:59.999999', '9999-12-31 23:59:59', '9999-12-31 23:59:59.99', "
    "'9999-12-31 23:59:59.999999', '2038-01-19 06:14:07', '2038-01-19 06:14:07.999', '2038-01-19 06:14:07.999999', "
    "ST_GeomFromText('POLYGON((0 0,10 0,10 10,0 10,0 0))'), ST_GeomFromText('POINT(1e300 -1e-300)'), "
    "REPEAT('compressible ', 70), REPEAT(X'AB', 5000)",
    // NULL everywhere
    "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
    "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
    "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL",
    // ordinary values, fractional seconds, YEAR 0
    "0, 1, -1, 2, -3, 4, -5, 6, -7, 8, 0, 0, 0.1, 0.1, 0.000, '0.000000000000000000000000000001', 0, "
    "'x', ' y', X'61', 'v', X'00', 'ASCII only', 'short', 'text', 'medium', 'long', X'00', X'0000', X'000000', "
    "X'00000000', '{}', 'sent', 'b', b'0', b'1010', '2024-02-29', '00:00:00', '-00:00:01.500', '12:34:56.000001', "
    "'2024-02-29 23:59:59', '2024-02-29 23:59:59.5', '2024-02-29 23:59:59.123456', '2024-01-31 12:00:00', "
    "'2024-01-31 12:00:00.5', '2024-01-31 12:00:00.123456', ST_GeomFromText('LINESTRING(0 0,1 1)'), "
    "ST_GeomFromText('POINT(3 4)'), 'x', X'00'",
};

std::string select_expr(const column& c) {
  const std::string n = std::string("`") + c.name + "`";
  switch (c.k) {
    case kind::bit: return n + "+0";
    case kind::integer: return std::string(c.name) == "y" ? n + "+0" : n;
    case kind::date: return "DATE_FORMAT(" + n + ", '%Y-%m-%d')";
    case kind::datetime: return "DATE_FORMAT(" + n + ", '%Y-%m-%d %H:%i:%s.%f')";
    case kind::timestamp: return "UNIX_TIMESTAMP(" + n + ")";
    default: return n;
  }
}

unsigned micros(std::string_view frac) {
  std::string f(frac);
  f.resize(6, '0');
  return static_cast<unsigned>(std::stoul(f));
}

tor::time_value parse_time(std::string s) {
  tor::time_value t;
  if (!s.empty() && s[0] == '-') {
    t.negative = true;
    s.erase(0, 1);
  }
  const auto c1 = s.find(':'), c2 = s.find(':', c1 + 1), dot = s.find('.');
  t.hours = static_cast<unsigned>(std::stoul(s.substr(0, c1)));
  t.minutes = static_cast<unsigned>(std::stoul(s.substr(c1 + 1, c2 - c1 - 1)));
  t.seconds = static_cast<unsigned>(std::stoul(s.substr(c2 + 1, dot - c2 - 1)));
  t.microseconds = dot == std::string::npos ? 0 : micros(s.substr(dot + 1));
  return t;
}

tor::datetime_value parse_datetime(const std::string& s) {
  tor::datetime_value d;
  d.date.year = std::stoi(s.substr(0, 4));
  d.date.month = static_cast<unsigned>(std::stoul(s.substr(5, 2)));
  d.date.day = static_cast<unsigned>(std::stoul(s.substr(8, 2)));
  d.hour = static_cast<unsigned>(std::stoul(s.substr(11, 2)));
  d.minute = static_cast<unsigned>(std::stoul(s.substr(14, 2)));
  d.second = static_cast<unsigned>(std::stoul(s.substr(17, 2)));
  d.microsecond = micros(s.substr(20));
  return d;
}

tor::timestamp_value parse_epoch(const std::string& s) {
  const auto dot = s.find('.');
  return {std::stoll(s.substr(0, dot)), dot == std::string::npos ? 0u : micros(s.substr(dot + 1))};
}

void check_column(const column& c, const tor::value& got, const std::optional<std::string>& sql) {
  INFO("column " << c.name << " " << c.type << ": server says " << (sql ? *sql : "NULL") << ", decoded "
                 << tor::to_text(got));
  if (!sql) {
    CHECK(tor::is_null(got));
    return;
  }
  switch (c.k) {
    case kind::integer:
      if (std::string(c.type).find("UNSIGNED") != std::string::npos) CHECK(got == tor::value{std::stoull(*sql)});
      else CHECK(got == tor::value{static_cast<std::int64_t>(std::stoll(*sql))});
      break;
    case kind::float_:
      REQUIRE(std::holds_alternative<double>(got));
      CHECK(static_cast<float>(std::get<double>(got)) == std::strtof(sql->c_str(), nullptr));
      break;
    case kind::double_: CHECK(got == tor::value{std::strtod(sql->c_str(), nullptr)}); break;
    case kind::decimal: CHECK(got == tor::value{tor::decimal_value{*sql}}); break;
    case kind::text: CHECK(got == tor::value{*sql}); break;
    case kind::bytes: CHECK(got == tor::value{tor::bytes_value{*sql}}); break;
    case kind::bit: CHECK(got == tor::value{std::stoull(*sql)}); break;
    case kind::date: CHECK(tor::to_text(got) == *sql); break;
    case kind::time: CHECK(got == tor::value{parse_time(*sql)}); break;
    case kind::datetime: CHECK(got == tor::value{parse_datetime(*sql)}); break;
    case kind::timestamp: CHECK(got == tor::value{parse_epoch(*sql)}); break;
  }
}

}  // namespace

TEST_CASE("every column type round-trips from SQL to decoded values", "[mysql][types]") {
  auto c = root();
  const auto db = fresh_db(c, "tor_it_types");
  std::string ddl = "CREATE TABLE `" + db + "`.outbox (id INT PRIMARY KEY";
  for (const auto& col : columns) ddl += std::string(", `") + col.name + "` " + col.type;
  ddl += ") ENGINE=InnoDB";
  c.execute(ddl);

  binlog_source src(config(db));
  src.open(std::nullopt);
  c.execute("SET time_zone = '+03:00'");
  for (std::size_t i = 0; i < rows.size(); ++i)
    c.execute("INSERT INTO `" + db + "`.outbox VALUES (" + std::to_string(i + 1) + ", " + rows[i] + ")");
  const auto got = read_txns(src, rows.size());

  std::string select = "SELECT id";
  for (const auto& col : columns) select += ", " + select_expr(col);
  const auto expected = c.query(select + " FROM `" + db + "`.outbox ORDER BY id");
  REQUIRE(expected.size() == rows.size());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    INFO("row " << r + 1);
    REQUIRE(got[r].rows.size() == 1);
    const auto& change = got[r].rows[0];
    CHECK(change.op == tor::row_op::insert);
    CHECK(change.table_name() == db + ".outbox");
    REQUIRE(change.table->columns.size() == columns.size() + 1);
    CHECK(change.table->columns[1] == "ti");
    const auto& values = change.after.values;
    REQUIRE(values.size() == columns.size() + 1);
    CHECK(values[0] == tor::value{std::int64_t(r + 1)});
    for (std::size_t i = 0; i < columns.size(); ++i) check_column(columns[i], values[i + 1], expected[r][i + 1]);
  }
  // Written at 12:00 in +03:00: the instant is 09:00 UTC.
  const auto ts6 = std::find_if(columns.begin(), columns.end(), [](const column& col) { return std::string(col.name) == "ts6"; });
  CHECK(tor::to_text(got[3].rows[0].after.values.at(static_cast<std::size_t>(ts6 - columns.begin()) + 1)) ==
        "2024-01-31T09:00:00.123456Z");
}
