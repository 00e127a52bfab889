#include <algorithm>
#include <cctype>
#include <cstdio>  // compact_lang_det.h uses FILE without including it

#include <cld2/internal/lang_script.h>
#include <cld2/public/compact_lang_det.h>

#include "core/text/text.h"

namespace brinkwatch::text {

std::string language_code(std::string_view cld2_code) {
  if (cld2_code.rfind("zh", 0) == 0) return "zh";  // zh, zh-Hant
  if (cld2_code == "iw") return "he";               // CLD2 keeps the withdrawn codes
  if (cld2_code == "jw") return "jv";
  const bool two_letters = cld2_code.size() == 2 && std::islower(static_cast<unsigned char>(cld2_code[0])) &&
                           std::islower(static_cast<unsigned char>(cld2_code[1]));
  // "un" and "xx" are CLD2's unknown; "xx-Qaai", "syr", "ceb"... have no ISO 639-1 code.
  if (!two_letters || cld2_code == "un" || cld2_code == "xx") return {};
  return std::string(cld2_code);
}

namespace {

// CLD2 on text[0, limit), cut back to a UTF-8 boundary.
LanguageGuess detect_prefix(std::string_view text, size_t limit) {
  size_t len = std::min(text.size(), limit);
  while (len > 0 && len < text.size() && (static_cast<unsigned char>(text[len]) & 0xC0) == 0x80) --len;
  if (len == 0) return {};
  bool reliable = false;
  const CLD2::Language lang = CLD2::DetectLanguage(text.data(), static_cast<int>(len), true, &reliable);
  const std::string_view cld2_code = CLD2::LanguageCode(lang);
  if (cld2_code == "un" || cld2_code == "xx") return {};  // unknown: never reliable
  // A language without an ISO 639-1 code keeps its reliability with an empty code: it still
  // overrides the producer's tag (choose_language), as "unknown".
  return {language_code(cld2_code), reliable};
}

}  // namespace

LanguageGuess detect_language(std::string_view text) {
  // A prefix is enough to tell a language and bounds the cost on long articles: CLD2 costs
  // about 30 ns a byte (its tables miss the cache), almost a third of a quiet article's worker
  // time at 1 KiB. 512 bytes decide almost every article; the rest are read again further.
  constexpr size_t kShort = 512;
  constexpr size_t kLong = kShort * 4;
  LanguageGuess guess = detect_prefix(text, kShort);
  if (!guess.reliable && text.size() > kShort) guess = detect_prefix(text, kLong);
  return guess;
}

std::string choose_language(std::string_view given, std::string_view text) {
  std::string tag;
  for (char c : given.substr(0, given.find_first_of("-_"))) {
    tag += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  const bool valid_tag = tag.size() == 2 && std::all_of(tag.begin(), tag.end(), [](char c) { return c >= 'a' && c <= 'z'; });
  const LanguageGuess guess = detect_language(text);
  if (valid_tag && !(guess.reliable && guess.code != tag)) return tag;
  return guess.reliable ? guess.code : std::string();
}

}  // namespace brinkwatch::text
