#include "app/explain.h"

#include <fmt/format.h>

namespace brinkwatch::app {

std::string explain_text(const Article& article, const text::Document& doc,
                         const detect::Detection& det) {
  std::string out = fmt::format("== {}{}\n", article.id, article.title.empty() ? "" : "  " + article.title);
  out += fmt::format("   {} sentences, {} chrome spans masked{}\n", doc.sentences.size(), doc.chrome.size(),
                     det.truncated ? ", TRUNCATED (hit budget reached)" : "");
  uint32_t last = UINT32_MAX;
  for (const auto& t : det.trace) {
    if (t.sentence != last) {
      out += fmt::format("  [{}] {}\n", t.sentence, t.sentence_text.substr(0, 240));
      last = t.sentence;
    }
    std::string terms;
    for (const auto& term : t.terms) terms += fmt::format("{}\"{}\"", terms.empty() ? "" : " + ", term);
    out += fmt::format("      {:<10} {} ({}) {} score {:.2f}\n", t.outcome == "fired" ? "FIRED" : "no", t.rule_id,
                       t.type, terms, t.score);
    if (t.outcome != "fired") out += fmt::format("                 {}\n", t.outcome);
    for (const auto& n : t.notes) out += fmt::format("                 {}\n", n);
  }
  if (det.signals.empty()) out += "  → no signal\n";
  for (const auto& s : det.signals) {
    std::string where;
    for (const auto& c : s.countries) where += (where.empty() ? "" : ",") + c;
    std::string actors;
    for (const auto& c : s.actors) actors += (actors.empty() ? "" : ",") + c;
    std::string theatres;
    for (const auto& c : s.theatres) theatres += (theatres.empty() ? "" : ",") + c;
    out += fmt::format("  → {} score {:.2f} in [{}] actors [{}]{}\n", s.type, s.score, where, actors,
                       theatres.empty() ? "" : " theatre [" + theatres + "]");
  }
  return out;
}

}  // namespace brinkwatch::app
