#include "core/rules/diagnostic.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace brinkwatch::rules {

std::string Diagnostic::str() const {
  const char* sev = severity == Severity::error ? "error" : "warning";
  if (line > 0) return fmt::format("{}:{}:{}: {}[{}]: {}", file, line, column, sev, code, message);
  return fmt::format("{}: {}[{}]: {}", file, sev, code, message);
}

std::string Diagnostic::json() const {
  nlohmann::json j{{"severity", severity == Severity::error ? "error" : "warning"},
                   {"code", code},
                   {"file", file},
                   {"line", line},
                   {"column", column},
                   {"message", message}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void Diagnostics::error(std::string code, std::string file, int line, int column,
                        std::string message) {
  items_.push_back({Diagnostic::Severity::error, std::move(code), std::move(file), line, column,
                    std::move(message)});
}

void Diagnostics::warning(std::string code, std::string file, int line, int column,
                          std::string message) {
  items_.push_back({Diagnostic::Severity::warning, std::move(code), std::move(file), line, column,
                    std::move(message)});
}

bool Diagnostics::has_errors() const {
  for (const auto& d : items_) {
    if (d.severity == Diagnostic::Severity::error) return true;
  }
  return false;
}

void Diagnostics::append(const Diagnostics& other) {
  items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

std::string Diagnostics::str() const {
  std::string out;
  for (const auto& d : items_) {
    out += d.str();
    out += '\n';
  }
  return out;
}

}  // namespace brinkwatch::rules
