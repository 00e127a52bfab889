// The first steps every offline command takes: read the config, build the engine, or say why not.
#pragma once

#include <memory>
#include <string>

#include "app/config.h"

namespace brinkwatch::app {

struct Loaded {
  Config config;
  std::shared_ptr<const detect::Engine> engine;  // null when loading failed
};

// Loads `path` and its rules and gazetteer. On failure prints every diagnostic to stderr and
// returns a null engine; the command then exits 2.
Loaded load_or_report(const std::string& path);

}  // namespace brinkwatch::app
