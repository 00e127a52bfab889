// `brinkwatch eval`: the figures of ../shared/eval/score.py (SIGNALS.md definitions), computed
// from a gold file and either our own classification or a predictions file. Output format
// matches score.py line for line, so the two can be diffed (tests/cli/eval_agrees_test.sh).
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "app/config.h"
#include "app/startup.h"
#include "core/pipeline.h"

namespace brinkwatch::app {
namespace {

using TypeCountries = std::map<std::string, std::set<std::string>>;

TypeCountries by_type(const nlohmann::json& signals) {
  TypeCountries out;
  if (!signals.is_array()) return out;
  for (const auto& s : signals) {
    if (!s.is_object() || !s.contains("type") || !s["type"].is_string()) continue;
    auto& set = out[s["type"].get<std::string>()];
    if (s.contains("countries") && s["countries"].is_array()) {
      for (const auto& c : s["countries"]) {
        if (c.is_string()) set.insert(c.get<std::string>());
      }
    }
  }
  return out;
}

std::string fmt3(std::optional<double> v) { return v ? fmt::format("{:.3f}", *v) : "  -  "; }

}  // namespace

int cmd_eval(const Args& args) {
  if (args.gold.empty()) {
    std::cerr << "brinkwatch eval: --gold FILE is required\n";
    return 2;
  }
  std::ifstream gin(args.gold);
  if (!gin) {
    std::cerr << fmt::format("brinkwatch eval: cannot open {}\n", args.gold);
    return 2;
  }
  std::vector<std::pair<std::string, nlohmann::json>> gold;  // in file order, last id wins
  std::map<std::string, size_t> gold_index;
  std::map<std::string, TypeCountries> pred;
  std::string line;
  size_t n = 0;
  std::vector<std::string> raw_lines;
  while (std::getline(gin, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("id")) {
      std::cerr << fmt::format("{}:{}: not a gold record\n", args.gold, n);
      return 2;
    }
    const std::string id = j["id"].is_string() ? j["id"].get<std::string>() : j["id"].dump();
    if (auto it = gold_index.find(id); it != gold_index.end()) {
      gold[it->second].second = std::move(j);
    } else {
      gold_index[id] = gold.size();
      gold.emplace_back(id, std::move(j));
    }
    raw_lines.push_back(line);
  }

  if (!args.pred.empty()) {
    std::ifstream pin(args.pred);
    if (!pin) {
      std::cerr << fmt::format("brinkwatch eval: cannot open {}\n", args.pred);
      return 2;
    }
    while (std::getline(pin, line)) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object() || !j.contains("id")) continue;
      const std::string id = j["id"].is_string() ? j["id"].get<std::string>() : j["id"].dump();
      pred[id] = by_type(j.value("signals", nlohmann::json::array()));
    }
  } else {
    auto [config, engine] = load_or_report(args.config);
    if (!engine) return 2;
    ArticleDecoder decoder(config.fields, config.limits);
    detect::Detector detector(config.detect);
    for (const auto& l : raw_lines) {
      auto article = decoder.decode(l);
      if (!article) continue;
      const auto det = detector.detect(*engine, prepare_document(*article));
      TypeCountries tc;
      for (const auto& s : det.signals) tc[s.type].insert(s.countries.begin(), s.countries.end());
      pred[article->id] = std::move(tc);
    }
  }

  const auto types = rules::default_types();
  std::map<std::string, int> tp, fp, fn;
  int region_hit = 0, region_n = 0, neg = 0, neg_fp = 0, scored = 0;
  for (const auto& [id, g] : gold) {
    ++scored;
    TypeCountries gt = by_type(g.value("signals", nlohmann::json::array()));
    TypeCountries pt;
    if (auto it = pred.find(id); it != pred.end()) pt = it->second;
    std::set<std::string> known;
    for (const auto& t : types) known.insert(t.id);
    std::erase_if(gt, [&](const auto& kv) { return !known.count(kv.first); });
    std::erase_if(pt, [&](const auto& kv) { return !known.count(kv.first); });
    if (gt.empty()) {
      ++neg;
      neg_fp += !pt.empty();
    }
    for (const auto& t : types) {
      const bool in_g = gt.count(t.id), in_p = pt.count(t.id);
      if (in_g && in_p) {
        ++tp[t.id];
        if (!gt[t.id].empty()) {
          ++region_n;
          bool hit = false;
          for (const auto& c : gt[t.id]) hit |= pt[t.id].count(c) > 0;
          region_hit += hit;
        }
      } else if (in_p) {
        ++fp[t.id];
      } else if (in_g) {
        ++fn[t.id];
      }
    }
  }
  auto prf = [](int p, int f, int m) {
    std::optional<double> pr, rc, f1;
    if (p + f) pr = static_cast<double>(p) / (p + f);
    if (p + m) rc = static_cast<double>(p) / (p + m);
    if (pr && rc && *pr > 0 && *rc > 0) f1 = 2 * *pr * *rc / (*pr + *rc);
    else if ((p + f) && (p + m)) f1 = 0.0;
    return std::tuple{pr, rc, f1};
  };
  std::cout << fmt::format("{:<24} {:>6} {:>6} {:>6} {:>4} {:>4} {:>4}\n", "type", "P", "R", "F1", "tp", "fp", "fn");
  int stp = 0, sfp = 0, sfn = 0;
  for (const auto& t : types) {
    const int a = tp[t.id], b = fp[t.id], c = fn[t.id];
    stp += a;
    sfp += b;
    sfn += c;
    if (a + b + c == 0) continue;
    auto [p, r, f] = prf(a, b, c);
    std::cout << fmt::format("{:<24} {:>6} {:>6} {:>6} {:4} {:4} {:4}\n", t.id, fmt3(p), fmt3(r), fmt3(f), a, b, c);
  }
  auto [mp, mr, mf] = prf(stp, sfp, sfn);
  std::cout << fmt::format("{:<24} {:>6} {:>6} {:>6}\n", "micro", fmt3(mp), fmt3(mr), fmt3(mf));
  std::optional<double> fpr, racc;
  if (neg) fpr = static_cast<double>(neg_fp) / neg;
  if (region_n) racc = static_cast<double>(region_hit) / region_n;
  std::cout << fmt::format("articles {}; false-positive rate on {} no-signal articles: {}; region accuracy on {}: {}\n",
                           scored, neg, fmt3(fpr), region_n, fmt3(racc));
  return 0;
}

}  // namespace brinkwatch::app
