#include "unit/support/router_tests.hpp"

#include <utility>

#include "unit/fixtures.hpp"

namespace tor::test {

outbox_config simple_config() {
  outbox_config c;
  c.tables = {"app.outbox"};
  c.topic_template = "events";
  return c;
}

running::running(std::function<void(std::stop_token)> run)
    : body(std::move(run)), thread([this](std::stop_token st) {
        try {
          body(st);
        } catch (const error& e) {
          failure = e.what();
          kind = e.kind();
        }
        finished = true;
      }) {}

void running::stop() {
  thread.request_stop();
  thread.join();
}

std::set<std::string> ids_of(const std::vector<testing::memory_dispatcher::record>& recs) {
  std::set<std::string> ids;
  for (const auto& r : recs) ids.insert(*r.msg.find_header("id"));
  return ids;
}

generated_source::generated_source(std::uint64_t count, std::uint64_t stuck, std::vector<std::string> keys)
    : count_(count), stuck_(stuck), keys_(std::move(keys)) {}

void generated_source::open(const std::optional<checkpoint>& from) {
  next_ = 0;
  gtids_ = gtid_set(gtid_flavor::mariadb);
  if (from) {
    next_ = (from->position.offset - 4) / 300;
    gtids_ = from->gtids;
  }
  step_ = 0;
}

std::optional<change_event> generated_source::next(std::chrono::milliseconds) {
  if (next_ >= count_) return std::nullopt;
  const std::uint64_t begin = 4 + next_ * 300;
  switch (step_++) {
    case 0: return change_event{begin_event{"0-1-" + std::to_string(next_ + 1), {file, begin}, clock::now()}};
    case 1: {
      row_change r;
      r.table = outbox_table;
      r.after.values = {std::string("e") + std::to_string(next_), std::string("Order"),
                        next_ == stuck_ ? std::string("stuck") : keys_[next_ % keys_.size()],
                        std::string("created"), std::string("{}")};
      r.position = {file, begin + 100};
      return change_event{std::move(r)};
    }
    default: {
      step_ = 0;
      ++next_;
      gtids_.add(gtid{gtid_flavor::mariadb, 0, 1, {}, next_});
      return change_event{commit_event{checkpoint{{file, 4 + next_ * 300}, gtids_, "1"}, clock::now()}};
    }
  }
}

checkpoint generated_source::end_of(std::uint64_t n) {
  gtid_set g(gtid_flavor::mariadb);
  g.add(gtid{gtid_flavor::mariadb, 0, 1, {}, n});
  return checkpoint{{file, 4 + n * 300}, g, "1"};
}

large_transaction_log::large_transaction_log(int rows) {
  log.append({outbox_row("before", "Order", "k", "p")});
  ids.push_back("before");
  ordinal.push_back(-1);
  std::vector<testing::scripted_row> big;
  for (int i = 0; i < rows; ++i) {
    if (i % 5 == 4) {
      big.push_back(order_row(i));
      continue;
    }
    ids.push_back("big-" + std::to_string(i));
    ordinal.push_back(i);
    big.push_back(outbox_row(ids.back(), "Order", "k" + std::to_string(i % 3), "p"));
  }
  log.append(big, clock::now(), 7);
  log.append({outbox_row("after", "Order", "k", "p")});
  ids.push_back("after");
  ordinal.push_back(-1);
}

}  // namespace tor::test
