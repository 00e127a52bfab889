#include "app/startup.h"

#include <iostream>

namespace brinkwatch::app {

Loaded load_or_report(const std::string& path) {
  rules::Diagnostics diags;
  Loaded out;
  out.config = load_config(path, diags);
  if (!diags.has_errors()) out.engine = load_engine(out.config, diags);
  if (!out.engine) std::cerr << diags.str();
  return out;
}

}  // namespace brinkwatch::app
