// Bytes as brinkwatch.yaml → load_config_text (the config loader of every command). Leading
// lines "#set PATH=VALUE" become --set overrides, so the override path is fuzzed too. Every
// problem must come back as a diagnostic naming the file (or --set) with a line and column
// inside the input, never as an exception or a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "app/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A config is a few KB; bigger inputs only slow each run down.
  if (size > 64 * 1024) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<brinkwatch::app::Override> overrides;
  while (text.substr(0, 5) == "#set ") {
    const size_t eol = text.find('\n');
    const std::string_view line = text.substr(5, eol == std::string_view::npos ? std::string_view::npos : eol - 5);
    const size_t eq = line.find('=');
    if (eq != std::string_view::npos) overrides.push_back({std::string(line.substr(0, eq)), std::string(line.substr(eq + 1))});
    if (eol == std::string_view::npos) break;
    text.remove_prefix(eol + 1);
  }
  int lines = 1;
  for (char c : text) lines += c == '\n';

  brinkwatch::rules::Diagnostics diags;
  const brinkwatch::app::Config config =
      brinkwatch::app::load_config_text("fuzz/brinkwatch.yaml", text, diags, overrides);
  for (const brinkwatch::rules::Diagnostic& d : diags.items()) {
    (void)d.str();
    (void)d.json();
    if (d.file == "--set") continue;
    // A diagnostic about the file points into it.
    if (d.file != "fuzz/brinkwatch.yaml" || d.line < 1 || d.line > lines + 1 || d.column < 1) {
      std::abort();
    }
  }
  if (!diags.has_errors()) {
    // A config that loads cleanly has values inside their documented ranges.
    if (!(config.detect.min_score >= 0.0 && config.detect.min_score <= 1.0)) std::abort();
    if (config.limits.max_bytes < 1024 || config.limits.max_depth < 2) std::abort();
    for (const auto& w : config.aggregate->windows) {
      if (w.ms <= 0) std::abort();
    }
  }
  return 0;
}
