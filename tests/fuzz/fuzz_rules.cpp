// Bytes as one rules file → read + merge; when the file loads without errors, compile it with
// an empty gazetteer. Loader problems must come back as diagnostics, never as a crash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "core/detect/engine.h"
#include "core/geo/gazetteer.h"
#include "core/rules/rulebook.h"

namespace rules = brinkwatch::rules;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Big inputs only make each run slow; the interesting structure fits in a few KB.
  if (size > 16 * 1024) return 0;
  std::vector<rules::Source> sources{
      {"fuzz.yaml", std::string(reinterpret_cast<const char*>(data), size)}};
  const std::vector<rules::TypeDef> types = rules::default_types();
  rules::Diagnostics diags;
  rules::RuleBook book = rules::load_rules(sources, types, diags);
  for (const rules::Diagnostic& d : diags.items()) {
    (void)d.str();
    (void)d.json();
  }
  if (diags.has_errors()) return 0;
  // Compiling a Hyperscan database is the expensive part; keep each run cheap.
  if (book.rules.size() > 64) return 0;
  rules::Diagnostics build_diags;
  auto engine = brinkwatch::detect::Engine::build(std::move(book), brinkwatch::geo::Gazetteer{},
                                                  types, build_diags);
  (void)engine;
  return 0;
}
