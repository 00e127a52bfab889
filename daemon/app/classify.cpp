#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "app/commands.h"
#include "app/config.h"
#include "app/environment.h"
#include "app/startup.h"
#include "app/explain.h"
#include "core/pipeline.h"

namespace brinkwatch::app {

namespace {

// Lines may be JSON articles or, failing the JSON sniff, plain text (one article a line).
bool looks_like_json(std::string_view line) {
  if (line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);  // a BOM (the decoder skips it)
  const size_t i = line.find_first_not_of(" \t\r");
  return i != std::string_view::npos && (line[i] == '{' || line[i] == '[' || line[i] == '"');
}

}  // namespace

int cmd_classify(const Args& args) {
  auto [config, engine] = load_or_report(args.config);
  if (!engine) return 2;
  config.detect.explain = args.explain;
  ArticleDecoder decoder(config.fields, config.limits);
  detect::Detector detector(config.detect);

  std::ifstream file;
  std::istream* in = &std::cin;
  if (!args.positional.empty() && args.positional[0] != "-") {
    file.open(args.positional[0], std::ios::binary);
    if (!file) {
      std::cerr << fmt::format("brinkwatch classify: cannot open {}\n", args.positional[0]);
      return 2;
    }
    in = &file;
  }
  std::ios::sync_with_stdio(false);
  std::string line;
  size_t n = 0, errors = 0;
  while (std::getline(*in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    Result<Article> article = Error{"", ""};
    if (line.find_first_not_of(" \t") == std::string::npos) {
      article = Error{"empty", "the line is empty"};
    } else if (looks_like_json(line)) {
      article = decoder.decode(line);
    } else if (line.size() > config.limits.max_bytes) {
      article = Error{"too_large", fmt::format("the line is {} bytes; the limit is {}", line.size(), config.limits.max_bytes)};
    } else if (!text::is_valid_utf8(line)) {
      // Plain text must be text: binary garbage is an error, not an article of U+FFFD.
      article = Error{"invalid_utf8", "the line is neither JSON nor valid UTF-8 text"};
    } else {
      Article a;
      a.text = line;
      a.id = fmt::format("line-{}", n);
      article = std::move(a);
    }
    if (!article) {
      ++errors;
      std::cout << error_json_line(n, article.error()) << '\n';
      continue;
    }
    const text::Document doc = prepare_document(*article);
    const detect::Detection det = detector.detect(*engine, doc);
    if (args.explain) {
      std::cout << explain_text(*article, doc, det);
    } else {
      std::cout << to_json_line(*article, det, engine->version()) << '\n';
    }
  }
  std::cout.flush();
  if (errors) {
    std::cerr << fmt::format("brinkwatch classify: {} of {} lines could not be classified (error records written)\n", errors, n);
    return 1;
  }
  return 0;
}

bool check_kafka_config(const Config& config, rules::Diagnostics& diags);

int cmd_validate(const Args& args) {
  rules::Diagnostics diags;
  Config config = load_config(args.config, diags, args.overrides);
  const bool config_ok = !diags.has_errors() && check_kafka_config(config, diags);
  std::shared_ptr<const detect::Engine> engine;
  if (!diags.has_errors()) engine = load_engine(config, diags);
  for (const auto& d : diags.items()) std::cerr << (args.json ? d.json() : d.str()) << '\n';
  std::string components;
  if (engine) {
    const auto& st = engine->stats();
    components = fmt::format(
        "ruleset {}: {} rules, {} terms ({} patterns), {} place names, {} countries, {} theatres; "
        "compiled in {:.2f} s, database {} KiB",
        engine->version(), st.rules, st.terms, st.patterns, st.place_names, engine->gazetteer().countries.size(),
        engine->gazetteer().theatres.size(), st.compile_seconds, st.database_bytes / 1024);
  }
  if (!args.env) {
    if (!engine) {
      std::cerr << fmt::format("{}: invalid\n", args.config);
      return 1;
    }
    std::cout << fmt::format("{}: ok — {}\n", args.config, components);
    if (args.print_config) std::cout << effective_config_yaml(config);
    return 0;
  }

  // --env: Vector's three tiers. The environment is checked only once the config and the
  // components it builds are sound.
  rules::Diagnostics env_diags;
  EnvReport env;
  if (engine) {
    env = check_environment(config, kEnvTimeoutMs, env_diags);
    for (const auto& d : env_diags.items()) std::cerr << (args.json ? d.json() : d.str()) << '\n';
  }
  const bool env_ok = engine && !env_diags.has_errors();
  if (args.json) {
    nlohmann::json tiers = nlohmann::json::array();
    tiers.push_back({{"tier", "config"}, {"ok", config_ok}});
    nlohmann::json comp{{"tier", "components"}, {"ok", engine != nullptr}};
    if (engine) {
      comp["ruleset"] = engine->version();
      comp["rules"] = engine->stats().rules;
      comp["countries"] = engine->gazetteer().countries.size();
      comp["theatres"] = engine->gazetteer().theatres.size();
    }
    tiers.push_back(std::move(comp));
    nlohmann::json e{{"tier", "environment"}, {"ok", env_ok}, {"checked", engine != nullptr}};
    if (engine) e.update(env_json(env));
    tiers.push_back(std::move(e));
    std::cout << nlohmann::json{{"config", args.config}, {"ok", env_ok}, {"tiers", std::move(tiers)}}.dump() << '\n';
    return env_ok ? 0 : 1;
  }
  std::cout << fmt::format("config: {}\n", config_ok ? "ok" : "invalid");
  std::cout << fmt::format("components: {}\n", engine ? "ok — rules compile, gazetteer loads; " + components
                                                          : std::string(config_ok ? "invalid" : "not checked"));
  std::cout << env_text(env);
  if (!engine) {
    std::cout << "environment: not checked\n";
    std::cerr << fmt::format("{}: invalid\n", args.config);
    return 1;
  }
  std::cout << fmt::format("environment: {}\n", env_ok ? "ok" : "failed");
  if (!env_ok) std::cerr << fmt::format("{}: the environment check failed\n", args.config);
  if (env_ok && args.print_config) std::cout << effective_config_yaml(config);
  return env_ok ? 0 : 1;
}

}  // namespace brinkwatch::app
