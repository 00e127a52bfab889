// Loader problems as data (STYLE.md §3): a code, a place and a sentence, printable as text or
// JSON and testable for exact wording.
#pragma once

#include <string>
#include <vector>

namespace brinkwatch::rules {

struct Diagnostic {
  enum class Severity { error, warning };
  Severity severity = Severity::error;
  std::string code;  // stable kebab-case id, e.g. "unknown-list"
  std::string file;
  int line = 0;      // 1-based; 0 when unknown
  int column = 0;    // 1-based; 0 when unknown
  std::string message;

  // "file:line:col: error[code]: message"
  std::string str() const;
  std::string json() const;
};

class Diagnostics {
 public:
  void error(std::string code, std::string file, int line, int column, std::string message);
  void warning(std::string code, std::string file, int line, int column, std::string message);
  bool has_errors() const;
  const std::vector<Diagnostic>& items() const { return items_; }
  void append(const Diagnostics& other);
  std::string str() const;  // one per line

 private:
  std::vector<Diagnostic> items_;
};

}  // namespace brinkwatch::rules
