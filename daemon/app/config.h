// brinkwatch.yaml: loading and validation. Start-up may throw; this returns diagnostics.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/article.h"
#include "core/detect/detector.h"
#include "core/detect/engine.h"
#include "core/rules/diagnostic.h"

namespace brinkwatch::app {

struct Config {
  std::string path;                     // the config file
  std::string dir;                      // its folder: every other file must be inside it
  std::vector<std::string> rule_globs;  // relative to dir
  std::vector<std::string> gazetteer_files;
  detect::DetectOptions detect;
  FieldMap fields;
  DecodeLimits limits;
};

// Reads and validates the config file. Diagnostics carry file:line:col.
Config load_config(const std::string& path, rules::Diagnostics& diags);

// Reads the rules and gazetteer the config names and compiles them. nullptr on errors.
std::shared_ptr<const detect::Engine> load_engine(const Config& config, rules::Diagnostics& diags);

// Resolves a path the config names, refusing any that leaves the config folder.
std::optional<std::string> resolve_inside(const Config& config, const std::string& relative,
                                          std::string& why);

}  // namespace brinkwatch::app
