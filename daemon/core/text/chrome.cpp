// Line-level boilerplate detection for text that arrives without markup (crawled pages where
// banners, share bars and footers are plain lines between paragraphs).
//
// Precision matters more than recall here: masking an article sentence loses a signal, while a
// missed banner only costs something if it also matches a rule. So every rule needs a cue that
// is typical of chrome (a fixed label alone on a line, an imperative call to action at the start
// of the line, a copyright mark) and most also need a chrome shape: few words, no full stop.
// Only English cues for now.
#include <algorithm>
#include <array>
#include <span>

#include "core/text/text.h"
#include "core/text/utf8_internal.h"

namespace brinkwatch::text {
namespace {

using detail::ascii_lower;
using detail::is_ascii_alnum;

// Longer lines are never chrome: banners and labels are short, and this bounds the work per line.
constexpr size_t kMaxLineBytes = 400;
constexpr size_t kMaxPrefixWords = 60;  // calls to action, captions, agency trailers
constexpr size_t kMaxCueWords = 12;     // cue word anywhere in a line without a full stop
constexpr size_t kMaxDonationWords = 20;
constexpr size_t kMaxLabelBytes = 32;  // longer than every entry of kLabels

using List = std::span<const std::string_view>;

// Labels that are chrome when they are the whole line (after trimming decoration).
// clang-format off
constexpr std::string_view kLabels[] = {
    "about us", "accept", "accept all", "ad", "ads", "advertisement", "advertisements",
    "advertising", "also read", "back to top", "close", "comments", "contact us", "cookie settings",
    "copy link", "donate", "donate now", "e-mail", "email", "follow", "follow us", "home",
    "latest news", "latest stories", "link copied", "listen", "listen to this article", "loading",
    "log in", "login", "manage cookies", "menu", "more from", "more news", "more on this story",
    "more stories", "most popular", "most read", "most viewed", "newsletter", "newsletters",
    "paid content", "play video", "print", "privacy policy", "read also", "read more", "read next",
    "recommended", "recommended stories", "register", "reject all", "related", "related articles",
    "related content", "related coverage", "related news", "related stories", "related topics",
    "search", "see also", "share", "share article", "share on facebook", "share on twitter",
    "share on x", "share story", "share this", "share this article", "share this page",
    "share this story", "share via email", "sign in", "sign up", "skip to content",
    "skip to main content", "sponsored", "sponsored content", "subscribe", "subscribe now",
    "support us", "tags", "terms of service", "terms of use", "top stories", "topics", "trending",
    "trending now", "tweet", "updated", "watch", "watch live", "you may also like",
    "you might also like"};
// clang-format on
static_assert(std::all_of(std::begin(kLabels), std::end(kLabels),
                          [](std::string_view l) { return l.size() <= kMaxLabelBytes; }));

// Calls to action and labels that make a line chrome when they start it.
// clang-format off
constexpr std::string_view kStrongPrefixes[] = {
    "additional reporting by", "advertisement", "already a subscriber", "already have an account",
    "also read", "become a member", "become a patron", "become a subscriber", "become a supporter",
    "by continuing to use", "by using our site", "by using this site", "click here", "compiled by",
    "continue reading", "credit:", "donate here", "donate now", "donate today", "download our",
    "download the app", "editing by", "file photo:", "follow @", "follow us", "get breaking",
    "get our", "get the latest", "image caption", "image source", "image:", "join our",
    "like us on", "listen to this article", "make a charitable", "make a donation", "make a gift",
    "media caption", "paid content", "paid post", "photo:", "photograph:", "please donate",
    "please support", "read also", "read more", "read next", "related articles", "related content",
    "related coverage", "related stories", "related:", "reporting by", "see also", "share on",
    "share this", "share:", "sign up and", "sign up for", "sign up here", "sign up now",
    "sign up to", "skip to", "sponsored by", "sponsored content", "subscribe for", "subscribe here",
    "subscribe now", "subscribe to", "subscribe today", "support independent",
    "support our journalism", "support our reporting", "support our work", "tap here",
    "this site uses cookies", "this website uses cookies", "to continue reading", "we use cookies",
    "we value your privacy", "writing by"};
// clang-format on

// Starts of lines that are chrome only when the line also looks like it (see is_chrome_line).
// clang-format off
constexpr std::string_view kWeakPrefixes[] = {
    "become a", "contribute", "donate", "enter your email", "follow", "help us", "join", "listen:",
    "log in", "more from", "more on", "register", "sign in", "sign up", "subscribe", "support our",
    "support us", "watch:", "your email"};
// clang-format on

// Words that place a line in the subscription / social / donation business.
// clang-format off
constexpr std::string_view kChromeNouns[] = {
    "newsletter", "subscri", "donat", "fundrais", "journalism", "inbox", "mailing list", "e-mail",
    "email", "cookie", "membership", "podcast", "twitter", "facebook", "instagram", "telegram",
    "whatsapp", "youtube", "tiktok", "linkedin", "premium", "notifications", "our app", "the app",
    "free trial"};
// clang-format on

// Cue words that make a short line without a full stop chrome.
// clang-format off
constexpr std::string_view kCueWords[] = {
    "newsletter", "subscribe", "subscription", "mailing list", "sign up", "sign-up", "cookie",
    "advertisement", "sponsored", "rights reserved", "follow us", "share this", "read more",
    "app store", "google play"};
// clang-format on

// Donation words need company: plain news reports donations all the time.
// clang-format off
constexpr std::string_view kDonationWords[] = {
    "donat", "fundrais"};
// clang-format on
// clang-format off
constexpr std::string_view kDonationContext[] = {
    "support", "help", "please", "charit", "make a", "now", "today", "here", "fund", "!"};
// clang-format on

// clang-format off
constexpr std::string_view kSocial[] = {
    "bluesky", "comments", "copied", "copy", "e-mail", "email", "facebook", "flipboard",
    "instagram", "link", "linkedin", "mail", "messenger", "pinterest", "print", "reddit", "share",
    "telegram", "threads", "tiktok", "twitter", "whatsapp", "x", "youtube"};
// clang-format on

// clang-format off
constexpr std::string_view kDateWords[] = {
    "a.m", "ago", "am", "apr", "april", "at", "aug", "august", "bst", "cest", "cet", "day", "days",
    "dec", "december", "edt", "eest", "eet", "est", "feb", "february", "first", "fri", "friday",
    "gmt", "hour", "hours", "hr", "hrs", "jan", "january", "jul", "july", "jun", "june", "last",
    "mar", "march", "may", "min", "mins", "minute", "minutes", "mon", "monday", "msk", "nov",
    "november", "oct", "october", "on", "p.m", "pdt", "pm", "posted", "pst", "published", "sat",
    "saturday", "sep", "sept", "september", "sun", "sunday", "thu", "thursday", "tue", "tuesday",
    "updated", "utc", "wed", "wednesday", "|", "-"};
// clang-format on

bool in(std::string_view s, List list) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

bool contains_any(std::string_view s, List list) {
  return std::any_of(list.begin(), list.end(),
                     [&](std::string_view w) { return s.find(w) != std::string_view::npos; });
}

// `s` starts with `phrase` as whole words ("donate" does not start "donated" or "donate-a-thon").
bool starts_with_words(std::string_view s, std::string_view phrase) {
  if (s.empty() || s.front() != phrase.front() || s.substr(0, phrase.size()) != phrase) {
    return false;
  }
  if (s.size() == phrase.size() || !is_ascii_alnum(phrase.back())) return true;
  const char next = s[phrase.size()];
  return !is_ascii_alnum(next) && next != '-' && next != '\'';
}

bool starts_with_any(std::string_view s, List list) {
  return std::any_of(list.begin(), list.end(),
                     [&](std::string_view p) { return starts_with_words(s, p); });
}

// Lower-cased ASCII, ’ as ', whitespace (and U+00A0) collapsed to single spaces, trimmed.
std::string normalise(std::string_view line) {
  std::string out;
  out.reserve(line.size());
  bool space = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    const bool nbsp = c == '\xC2' && i + 1 < line.size() && line[i + 1] == '\xA0';
    if (detail::is_ascii_space(c) || nbsp) {
      space = !out.empty();
      if (nbsp) ++i;
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    if (line.substr(i, 3) == "\xE2\x80\x99") {
      out.push_back('\'');
      i += 2;
      continue;
    }
    out.push_back(ascii_lower(c));
  }
  return out;
}

// Removes bullets, arrows, pipes and trailing colons or exclamation marks around a label.
std::string_view strip_decoration(std::string_view s) {
  static constexpr std::array<std::string_view, 10> kMarks{
      "\xC2\xBB",     "\xE2\x80\xBA", "\xE2\x80\xA2", "\xC2\xB7", "\xE2\x80\x94",
      "\xE2\x80\x93", "\xE2\x96\xB6", "\xE2\x86\x92", "\xC2\xAB", "\xE2\x80\xB9"};
  bool changed = true;
  while (changed && !s.empty()) {
    changed = false;
    const char f = s.front();
    const char b = s.back();
    if (f == ' ' || f == '>' || f == '|' || f == '-' || f == '*' || f == '#' || f == '<') {
      s.remove_prefix(1);
      changed = true;
    } else if (b == ' ' || b == ':' || b == '!' || b == '.' || b == '>' || b == '|' || b == '<' ||
               b == '-') {
      s.remove_suffix(1);
      changed = true;
    } else {
      for (const std::string_view m : kMarks) {
        if (s.substr(0, m.size()) == m) {
          s.remove_prefix(m.size());
          changed = true;
        } else if (s.size() >= m.size() && s.substr(s.size() - m.size()) == m) {
          s.remove_suffix(m.size());
          changed = true;
        }
      }
    }
  }
  return s;
}

std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && detail::is_ascii_space(s[i])) ++i;
    const size_t b = i;
    while (i < s.size() && !detail::is_ascii_space(s[i])) ++i;
    if (i > b) words.push_back(s.substr(b, i - b));
  }
  return words;
}

std::string_view strip_token(std::string_view w) {
  while (!w.empty() && (w.front() == '(' || w.front() == '[')) w.remove_prefix(1);
  while (!w.empty() && (w.back() == ',' || w.back() == '.' || w.back() == ':' || w.back() == ';' ||
                        w.back() == ')' || w.back() == ']')) {
    w.remove_suffix(1);
  }
  return w;
}

bool is_number_token(std::string_view w) {
  bool digit = false;
  for (const char c : w) {
    if (c >= '0' && c <= '9')
      digit = true;
    else if (c != ':' && c != '/' && c != '-' && c != '.')
      return false;
  }
  return digit;
}

bool is_ordinal(std::string_view w) {
  if (w.size() < 3 || w.size() > 4) return false;
  const std::string_view suffix = w.substr(w.size() - 2);
  return w[0] >= '0' && w[0] <= '9' &&
         (suffix == "st" || suffix == "nd" || suffix == "rd" || suffix == "th") &&
         is_number_token(w.substr(0, w.size() - 2));
}

// A dateline or timestamp alone on a line: "Updated: 12 March 2025, 10:32 GMT".
bool is_dateline(const std::vector<std::string_view>& words) {
  if (words.size() < 2 || words.size() > 10) return false;
  bool number = false;
  for (const std::string_view raw : words) {
    const std::string_view w = strip_token(raw);
    if (w.empty()) continue;
    if (is_number_token(w) || is_ordinal(w)) {
      number = true;
    } else if (!in(w, kDateWords)) {
      return false;
    }
  }
  return number;
}

// A byline alone on a line: "By Jane Doe and John Roe". The original (not lower-cased) line is
// needed to see the capitals of names.
bool is_byline(std::string_view norm, std::string_view original, size_t word_count) {
  if (!starts_with_words(norm, "by") || word_count < 2 || word_count > 8) return false;
  const std::vector<std::string_view> words = split_words(original);
  for (size_t k = 1; k < words.size(); ++k) {
    const std::string_view w = strip_token(words[k]);
    if (w.empty() || w == "and" || w == "&" || w == "|" || w == "-" || w == "in") continue;
    const char c = w.front();
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return false;
  }
  return true;
}

// "Home | World | Europe | Ukraine": three or more short items between separators (| • ·).
bool is_menu_list(std::string_view norm) {
  size_t items = 0;
  size_t b = 0;
  size_t i = 0;
  while (i <= norm.size()) {
    size_t sep = 0;
    if (i == norm.size())
      sep = 1;
    else if (norm[i] == '|')
      sep = 1;
    else if (norm.substr(i, 3) == "\xE2\x80\xA2")
      sep = 3;
    else if (norm.substr(i, 2) == "\xC2\xB7")
      sep = 2;
    if (sep == 0) {
      ++i;
      continue;
    }
    const size_t words = split_words(norm.substr(b, i - b)).size();
    if (words > 4) return false;
    if (words > 0) ++items;
    i += sep;
    b = i;
  }
  return items >= 3;
}

bool has_year(std::string_view s) {
  size_t run = 0;
  for (const char c : s) {
    run = (c >= '0' && c <= '9') ? run + 1 : 0;
    if (run == 4) return true;
  }
  return false;
}

bool is_chrome_line(std::string_view line) {
  const std::string norm = normalise(line);
  if (norm.empty()) return false;
  const std::string_view label = strip_decoration(norm);
  if (label.empty()) return false;  // a rule of dashes or bullets: nothing to mask
  if (label.size() <= kMaxLabelBytes && in(label, kLabels)) return true;

  const std::vector<std::string_view> words = split_words(norm);
  const size_t n = words.size();
  // The last character that is not a closing quote or bracket tells a sentence from a label.
  char last = 0;
  for (size_t k = norm.size(); k > 0; --k) {
    const char c = norm[k - 1];
    if (c == '"' || c == '\'' || c == ')' || c == ']' || static_cast<unsigned char>(c) >= 0x80) {
      continue;
    }
    last = c;
    break;
  }
  const bool full_stop = last == '.' || last == '?' || last == ';' || last == ',';

  if (n <= kMaxPrefixWords && starts_with_any(label, kStrongPrefixes)) return true;
  if (n <= 15 && starts_with_any(label, kWeakPrefixes) &&
      (contains_any(norm, kChromeNouns) || (!full_stop && n <= 8))) {
    return true;
  }
  if (n <= kMaxPrefixWords && (norm.find("\xC2\xA9") != std::string::npos ||
                               norm.find("all rights reserved") != std::string::npos)) {
    return true;
  }
  if (n <= 15 && (starts_with_words(label, "copyright") || starts_with_words(label, "(c)")) &&
      has_year(norm)) {
    return true;
  }
  if (!full_stop) {
    if (n <= kMaxCueWords && contains_any(norm, kCueWords)) return true;
    if (n <= kMaxDonationWords && contains_any(norm, kDonationWords) &&
        contains_any(norm, kDonationContext)) {
      return true;
    }
    if (is_dateline(words) || is_byline(norm, line, n) || is_menu_list(norm)) return true;
  }
  if (n >= 2 && n <= 12 && std::all_of(words.begin(), words.end(), [](std::string_view w) {
        const std::string_view t = strip_token(w);
        return t.empty() || t == "|" || in(t, kSocial);
      })) {
    return true;
  }
  return false;
}

}  // namespace

std::vector<Span> find_chrome(std::string_view body) {
  std::vector<Span> out;
  size_t b = 0;
  while (b < body.size()) {
    size_t e = body.find('\n', b);
    if (e == std::string_view::npos) e = body.size();
    if (e - b <= kMaxLineBytes && is_chrome_line(body.substr(b, e - b))) {
      out.push_back(Span{static_cast<uint32_t>(b), static_cast<uint32_t>(e)});
    }
    b = e + 1;
  }
  return out;
}

}  // namespace brinkwatch::text
