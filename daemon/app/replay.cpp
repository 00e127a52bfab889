// brinkwatch replay: both stages offline, no broker. Articles (JSON Lines, any order) are
// detected, turned into the same brinkwatch.signal/1 records the detect stage writes, parsed back
// by the aggregate stage's parser and aggregated in event-time order; alert records go to stdout.
// For tuning policies on past news, long scenarios in tests, and evaluating alerts.
#include <algorithm>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "app/commands.h"
#include "app/config.h"
#include "core/aggregate/aggregator.h"
#include "core/pipeline.h"

namespace brinkwatch::app {

int cmd_replay(const Args& args) {
  if (args.positional.size() != 1) {
    std::cerr << "usage: brinkwatch replay [-c CONFIG] [--until TIME] [--signals] FILE|-\n";
    return 2;
  }
  rules::Diagnostics diags;
  Config config = load_config(args.config, diags, args.overrides);
  std::shared_ptr<const detect::Engine> engine;
  if (!diags.has_errors()) engine = load_engine(config, diags);
  if (!engine) {
    std::cerr << diags.str();
    return 2;
  }
  std::optional<int64_t> until;
  if (!args.until.empty()) {
    until = parse_rfc3339(args.until);
    if (!until) {
      std::cerr << fmt::format("brinkwatch replay: --until \"{}\" is not an RFC 3339 time\n", args.until);
      return 2;
    }
  }
  std::ifstream file;
  std::istream* in = &std::cin;
  if (args.positional[0] != "-") {
    file.open(args.positional[0], std::ios::binary);
    if (!file) {
      std::cerr << fmt::format("brinkwatch replay: cannot open {}\n", args.positional[0]);
      return 2;
    }
    in = &file;
  }

  // Read everything first: the input may be in any order and is processed in event-time order.
  // An article without a (readable) published_at comes last, at the stream time reached by then.
  ArticleDecoder decoder(config.fields, config.limits);
  struct Item {
    int64_t time;
    size_t line;
    Article article;
  };
  std::vector<Item> items;
  size_t n = 0, errors = 0;
  for (std::string line; std::getline(*in, line);) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    auto article = decoder.decode(line);
    if (!article) {
      ++errors;
      std::cerr << error_json_line(n, article.error()) << '\n';
      continue;
    }
    const auto published = parse_rfc3339(article->published_at);
    items.push_back({published.value_or(std::numeric_limits<int64_t>::max()), n, std::move(*article)});
  }
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.time < b.time; });

  detect::Detector detector(config.detect);
  aggregate::SignalParser parser;
  aggregate::Aggregator aggregator(config.aggregate);
  std::vector<aggregate::Alert> alerts;
  size_t signals = 0, records = 0;
  std::ios::sync_with_stdio(false);
  auto emit = [&] {
    for (const auto& a : alerts) std::cout << a.to_json() << '\n';
    alerts.clear();
  };
  for (const auto& item : items) {
    const text::Document doc = prepare_document(item.article);
    const detect::Detection det = detector.detect(*engine, doc);
    signals += det.signals.size();
    // Detected when published: a replay has no arrival time of its own.
    const int64_t detected = item.time == std::numeric_limits<int64_t>::max()
                                 ? std::max<int64_t>(aggregator.stream_time(), 0)
                                 : item.time;
    for (const auto& rec : to_signal_records(item.article, doc, det, engine->version(), detected)) {
      ++records;
      if (args.print_signals) std::cout << rec.value << '\n';
      auto ev = parser.parse(rec.value, rec.key);
      if (!ev) {
        std::cerr << fmt::format("brinkwatch replay: line {}: {}: {}\n", item.line, ev.error().code, ev.error().message);
        ++errors;
        continue;
      }
      aggregator.add(*ev, alerts);
      emit();
    }
  }
  if (until) {
    aggregator.tick(*until, alerts);
    emit();
  }
  std::cout.flush();
  std::cerr << fmt::format("brinkwatch replay: {} articles, {} signals, {} signal records, {} regions tracked, "
                           "stream time {}; policy {}\n",
                           items.size(), signals, records, aggregator.regions(),
                           aggregator.stream_time() > 0 ? format_rfc3339(aggregator.stream_time()) : std::string("-"),
                           aggregate::policy_version(*config.aggregate));
  return errors ? 1 : 0;
}

}  // namespace brinkwatch::app
