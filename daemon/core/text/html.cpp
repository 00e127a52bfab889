// HTML to plain text: a single forward pass over the (repaired) input with a bounded tag stack.
//
// This is deliberately not a conforming HTML5 parser. It follows the tokenizer closely enough
// for real pages (comments, raw-text elements, quoted attributes, end tags closing the nearest
// open element of that name) and stays linear on hostile input: every byte is consumed once,
// an end tag pops only elements it closes (each element is popped at most once), and the stack
// is capped so an HTML bomb of nested tags costs memory proportional to the cap, not the input.
#include <algorithm>
#include <array>
#include <cstring>
#include <initializer_list>
#include <unordered_map>
#include <vector>

#include "core/text/text.h"
#include "core/text/utf8_internal.h"

namespace brinkwatch::text {
namespace {

using detail::ascii_lower;

// Deeper nesting than this is not tracked: such elements behave as if they were void.
constexpr size_t kMaxDepth = 4096;
// A class/id-marked chrome element is dropped only if the text it produced is at most this
// long: a wrapper such as <div class="content has-sidebar"> must not take the article with it.
constexpr size_t kMaxChromeBytes = 1500;
// Tag names are compared on their first bytes only; no real element name is longer.
constexpr size_t kMaxTagName = 32;
constexpr size_t kMaxAttrValue = 512;

struct Entity {
  std::string_view name;
  char32_t cp;
};

// Sorted by name (checked below) for binary search. Whitespace-like entities map to U+0020 and
// invisible ones to 0 (dropped), which is what matching wants.
constexpr std::array kEntities{
    Entity{"AElig", 0xC6},    Entity{"Aacute", 0xC1},   Entity{"Acirc", 0xC2},
    Entity{"Agrave", 0xC0},   Entity{"Aring", 0xC5},    Entity{"Atilde", 0xC3},
    Entity{"Auml", 0xC4},     Entity{"Ccedil", 0xC7},   Entity{"Eacute", 0xC9},
    Entity{"Ecirc", 0xCA},    Entity{"Egrave", 0xC8},   Entity{"Euml", 0xCB},
    Entity{"Iacute", 0xCD},   Entity{"Icirc", 0xCE},    Entity{"Ntilde", 0xD1},
    Entity{"Oacute", 0xD3},   Entity{"Ocirc", 0xD4},    Entity{"Oslash", 0xD8},
    Entity{"Otilde", 0xD5},   Entity{"Ouml", 0xD6},     Entity{"Prime", 0x2033},
    Entity{"Uacute", 0xDA},   Entity{"Uuml", 0xDC},     Entity{"aacute", 0xE1},
    Entity{"acirc", 0xE2},    Entity{"aelig", 0xE6},    Entity{"agrave", 0xE0},
    Entity{"amp", '&'},       Entity{"apos", '\''},     Entity{"aring", 0xE5},
    Entity{"atilde", 0xE3},   Entity{"auml", 0xE4},     Entity{"bdquo", 0x201E},
    Entity{"bull", 0x2022},   Entity{"ccedil", 0xE7},   Entity{"cent", 0xA2},
    Entity{"copy", 0xA9},     Entity{"dagger", 0x2020}, Entity{"deg", 0xB0},
    Entity{"divide", 0xF7},   Entity{"eacute", 0xE9},   Entity{"ecirc", 0xEA},
    Entity{"egrave", 0xE8},   Entity{"emsp", ' '},      Entity{"ensp", ' '},
    Entity{"euml", 0xEB},     Entity{"euro", 0x20AC},   Entity{"gt", '>'},
    Entity{"hellip", 0x2026}, Entity{"iacute", 0xED},   Entity{"icirc", 0xEE},
    Entity{"iexcl", 0xA1},    Entity{"igrave", 0xEC},   Entity{"iquest", 0xBF},
    Entity{"iuml", 0xEF},     Entity{"laquo", 0xAB},    Entity{"larr", 0x2190},
    Entity{"ldquo", 0x201C},  Entity{"lrm", 0},         Entity{"lsaquo", 0x2039},
    Entity{"lsquo", 0x2018},  Entity{"lt", '<'},        Entity{"mdash", 0x2014},
    Entity{"middot", 0xB7},   Entity{"minus", 0x2212},  Entity{"nbsp", ' '},
    Entity{"ndash", 0x2013},  Entity{"ntilde", 0xF1},   Entity{"oacute", 0xF3},
    Entity{"ocirc", 0xF4},    Entity{"ograve", 0xF2},   Entity{"oslash", 0xF8},
    Entity{"otilde", 0xF5},   Entity{"ouml", 0xF6},     Entity{"para", 0xB6},
    Entity{"pound", 0xA3},    Entity{"prime", 0x2032},  Entity{"quot", '"'},
    Entity{"raquo", 0xBB},    Entity{"rarr", 0x2192},   Entity{"rdquo", 0x201D},
    Entity{"reg", 0xAE},      Entity{"rlm", 0},         Entity{"rsaquo", 0x203A},
    Entity{"rsquo", 0x2019},  Entity{"sbquo", 0x201A},  Entity{"sect", 0xA7},
    Entity{"shy", 0},         Entity{"szlig", 0xDF},    Entity{"thinsp", ' '},
    Entity{"times", 0xD7},    Entity{"trade", 0x2122},  Entity{"uacute", 0xFA},
    Entity{"ucirc", 0xFB},    Entity{"ugrave", 0xF9},   Entity{"uuml", 0xFC},
    Entity{"yen", 0xA5},      Entity{"zwj", 0},         Entity{"zwnj", 0},
};
static_assert(std::is_sorted(kEntities.begin(), kEntities.end(),
                             [](const Entity& a, const Entity& b) { return a.name < b.name; }));

// Entities that browsers also recognise without the trailing ';' (the common subset).
constexpr std::array<std::string_view, 7> kLegacyEntities{"amp",  "lt",   "gt", "quot",
                                                          "nbsp", "copy", "reg"};

// Windows-1252 meanings of numeric references &#128; to &#159;, as browsers decode them
// (HTML §13.2.5.80); 0 marks the five undefined positions.
constexpr std::array<char32_t, 32> kCp1252{
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

char32_t lookup_entity(std::string_view name) {
  const auto it = std::lower_bound(kEntities.begin(), kEntities.end(), name,
                                   [](const Entity& e, std::string_view n) { return e.name < n; });
  if (it != kEntities.end() && it->name == name) return it->cp;
  return 0xFFFFFFFF;
}

bool in_list(std::string_view name, std::initializer_list<std::string_view> list) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

// Elements whose content is not markup (HTML raw text / escapable raw text) and is not article
// text either: skipped up to the matching end tag.
bool is_raw_text(std::string_view n) {
  return in_list(n, {"script", "style", "noscript", "textarea", "title", "iframe", "xmp", "noembed",
                     "noframes"});
}

// Elements whose whole subtree is dropped: page furniture and non-text content.
bool is_skipped(std::string_view n) {
  return in_list(
      n, {"nav", "header", "footer", "aside", "form", "svg", "template", "math", "button", "select",
          "dialog", "menu", "object", "video", "audio", "canvas", "picture", "map"});
}

bool is_void(std::string_view n) {
  return in_list(n, {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                     "param", "source", "track", "wbr", "keygen", "basefont", "bgsound"});
}

// Line breaks a tag implies: 2 (paragraph), 1 (line) or 0 (inline).
int breaks_for(std::string_view n) {
  if (in_list(n, {"p",          "h1",      "h2",      "h3",    "h4",      "h5",       "h6",
                  "blockquote", "article", "section", "ul",    "ol",      "dl",       "table",
                  "pre",        "figure",  "hr",      "main",  "address", "details",  "center",
                  "header",     "footer",  "nav",     "aside", "hgroup",  "fieldset", "body"})) {
    return 2;
  }
  if (in_list(n, {"br",     "div",     "li",         "tr",      "td",     "th",     "dt",
                  "dd",     "caption", "figcaption", "summary", "option", "legend", "tbody",
                  "thead",  "tfoot",   "form",       "dialog",  "menu",   "title",  "img",
                  "iframe", "video",   "audio",      "picture"})) {
    return 1;
  }
  return 0;
}

// Elements that a following sibling of the same name closes implicitly (<li>a<li>b).
bool closes_same(std::string_view n) {
  return in_list(n, {"p", "li", "dt", "dd", "tr", "td", "th", "option"});
}

// Does a class/id/role value mark the element as chrome? Class and id values are split into
// words on anything that is not a letter or digit and each word is tested as a prefix, so
// "site-footer", "newsletterSignup" and "donation_box" match but "canvas" does not.
bool is_chrome_attr(std::string_view value, bool role) {
  if (role) {
    return in_list(value, {"navigation", "banner", "contentinfo", "complementary", "search", "menu",
                           "menubar", "dialog", "alertdialog"});
  }
  static constexpr std::array<std::string_view, 20> kPrefixes{
      "nav",        "menu",    "footer", "newsletter", "subscri", "share",   "cookie",
      "related",    "promo",   "donat",  "banner",     "advert",  "sidebar", "social",
      "breadcrumb", "paywall", "signup", "outbrain",   "taboola", "sponsor"};
  size_t i = 0;
  while (i < value.size()) {
    while (i < value.size() && !detail::is_ascii_alnum(value[i])) ++i;
    const size_t b = i;
    while (i < value.size() && detail::is_ascii_alnum(value[i])) ++i;
    const std::string_view word = value.substr(b, i - b);
    if (word.empty()) continue;
    if (word == "ad" || word == "ads" || word == "comments") return true;
    for (const std::string_view p : kPrefixes) {
      if (word.substr(0, p.size()) == p) return true;
    }
  }
  return false;
}

enum class Kind : uint8_t { kNormal, kSkip, kChrome };

struct OpenElement {
  std::string name;
  Kind kind = Kind::kNormal;
  size_t mark = 0;  // out_.size() when the element opened (for chrome elements)
};

class Converter {
 public:
  explicit Converter(std::string_view in) : in_(in) {}

  std::string run() {
    size_t i = 0;
    while (i < in_.size()) {
      const char c = in_[i];
      if (c == '<') {
        i = tag(i);
      } else if (c == '&') {
        i = entity(i);
      } else {
        i = text(i);
      }
    }
    while (!stack_.empty()) pop();
    return std::move(out_);
  }

 private:
  // Output ------------------------------------------------------------------------------------

  // Whitespace is only written just before visible text, so the output never starts or ends with
  // it and runs collapse to one space or at most one blank line.
  void visible(std::string_view bytes) {
    if (skip_depth_ > 0 || bytes.empty()) return;
    if (!out_.empty()) {
      if (pending_breaks_ > 0) {
        out_.append(static_cast<size_t>(std::min(pending_breaks_, 2)), '\n');
      } else if (pending_space_) {
        out_.push_back(' ');
      }
    }
    pending_breaks_ = 0;
    pending_space_ = false;
    out_.append(bytes);
  }
  void space() {
    if (skip_depth_ == 0) pending_space_ = true;
  }
  void breaks(int n) {
    if (skip_depth_ == 0) pending_breaks_ = std::max(pending_breaks_, n);
  }
  void code_point(char32_t cp) {
    if (cp == 0) return;
    if (cp == ' ' || cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x3000) {
      space();
      return;
    }
    char buf[4];
    visible(std::string_view(buf, detail::encode_utf8(cp, buf)));
  }

  // Tokens ------------------------------------------------------------------------------------

  size_t text(size_t i) {
    size_t j = i;
    while (j < in_.size()) {
      const char c = in_[j];
      if (c == '<' || c == '&' || detail::is_ascii_space(c)) break;
      if (c == '\xC2' && j + 1 < in_.size() && (in_[j + 1] == '\xA0' || in_[j + 1] == '\xAD')) {
        break;
      }
      ++j;
    }
    if (j > i) {
      visible(in_.substr(i, j - i));
      return j;
    }
    if (in_[i] == '\xC2') {  // U+00A0 becomes a plain space; U+00AD (soft hyphen) goes
      if (in_[i + 1] == '\xA0') space();
      return i + 2;
    }
    space();
    return i + 1;
  }

  size_t entity(size_t i) {
    const size_t n = in_.size();
    size_t j = i + 1;
    if (j < n && in_[j] == '#') {
      ++j;
      const bool hex = j < n && (in_[j] == 'x' || in_[j] == 'X');
      if (hex) ++j;
      const size_t digits = j;
      uint32_t value = 0;
      while (j < n) {
        const char c = in_[j];
        uint32_t d = 0;
        if (c >= '0' && c <= '9')
          d = static_cast<uint32_t>(c - '0');
        else if (hex && c >= 'a' && c <= 'f')
          d = static_cast<uint32_t>(c - 'a' + 10);
        else if (hex && c >= 'A' && c <= 'F')
          d = static_cast<uint32_t>(c - 'A' + 10);
        else
          break;
        value = std::min<uint32_t>(value * (hex ? 16 : 10) + d, 0x110000);  // saturate
        ++j;
      }
      if (j == digits) {
        visible("&");
        return i + 1;
      }
      if (j < n && in_[j] == ';') ++j;
      char32_t cp = value;
      if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        cp = 0xFFFD;
      } else if (cp >= 0x80 && cp <= 0x9F) {
        cp = kCp1252[cp - 0x80] != 0 ? kCp1252[cp - 0x80] : 0xFFFD;
      } else if (cp < 0x20 || cp == 0x7F) {
        cp = ' ';  // controls are whitespace to us, never output
      }
      code_point(cp);
      return j;
    }
    while (j < n && j - i <= kMaxTagName && detail::is_ascii_alnum(in_[j])) ++j;
    const std::string_view name = in_.substr(i + 1, j - i - 1);
    if (!name.empty()) {
      const bool semicolon = j < n && in_[j] == ';';
      if (semicolon || std::find(kLegacyEntities.begin(), kLegacyEntities.end(), name) !=
                           kLegacyEntities.end()) {
        const char32_t cp = lookup_entity(name);
        if (cp != 0xFFFFFFFF) {
          code_point(cp);
          return semicolon ? j + 1 : j;
        }
      }
    }
    visible("&");
    return i + 1;
  }

  // Returns the position after the first `close` at or after `from`, or the end of input.
  size_t skip_past(size_t from, std::string_view close) const {
    const size_t p = in_.find(close, from);
    return p == std::string_view::npos ? in_.size() : p + close.size();
  }

  static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
  static bool ends_name(char c) { return detail::is_ascii_space(c) || c == '/' || c == '>'; }

  // Reads a tag name at j, lower-cased and truncated; advances j past all of it.
  std::string read_name(size_t& j) const {
    std::string name;
    while (j < in_.size() && !ends_name(in_[j])) {
      if (name.size() < kMaxTagName) name.push_back(ascii_lower(in_[j]));
      ++j;
    }
    return name;
  }

  size_t tag(size_t i) {
    const size_t n = in_.size();
    if (i + 1 >= n) {
      visible("<");
      return n;
    }
    const char next = in_[i + 1];
    if (next == '!') {
      if (in_.substr(i, 4) == "<!--") return skip_past(i + 2, "-->");
      return skip_past(i + 2, ">");  // doctype, CDATA and other bogus comments
    }
    if (next == '?') return skip_past(i + 2, ">");
    if (next == '/') {
      if (i + 2 < n && is_alpha(in_[i + 2])) {
        size_t j = i + 2;
        const std::string name = read_name(j);
        close(name);
        return skip_past(j, ">");
      }
      if (i + 2 < n && in_[i + 2] == '>') return i + 3;
      return skip_past(i + 2, ">");
    }
    if (!is_alpha(next)) {
      visible("<");
      return i + 1;
    }
    size_t j = i + 1;
    const std::string name = read_name(j);
    bool self_closing = false;
    bool chrome = false;
    while (true) {
      while (j < n && (detail::is_ascii_space(in_[j]) || in_[j] == '/')) {
        self_closing = in_[j] == '/';
        ++j;
      }
      if (j >= n) return n;  // EOF inside a tag: the tag is dropped, as browsers do
      if (in_[j] == '>') break;
      self_closing = false;
      std::string attr;
      do {  // the first character may be '=' (a parse error browsers accept); always advance
        if (attr.size() < kMaxTagName) attr.push_back(ascii_lower(in_[j]));
        ++j;
      } while (j < n && !ends_name(in_[j]) && in_[j] != '=');
      while (j < n && detail::is_ascii_space(in_[j])) ++j;
      if (j >= n || in_[j] != '=') continue;
      ++j;
      while (j < n && detail::is_ascii_space(in_[j])) ++j;
      if (j >= n) return n;
      size_t vb = j;
      size_t ve = j;
      if (in_[j] == '"' || in_[j] == '\'') {
        const size_t q = in_.find(in_[j], j + 1);
        if (q == std::string_view::npos) return n;
        vb = j + 1;
        ve = q;
        j = q + 1;
      } else {
        while (j < n && !detail::is_ascii_space(in_[j]) && in_[j] != '>') ++j;
        ve = j;
      }
      if (!chrome && (attr == "class" || attr == "id" || attr == "role")) {
        std::string value(in_.substr(vb, std::min(ve - vb, kMaxAttrValue)));
        for (char& c : value) c = ascii_lower(c);
        chrome = is_chrome_attr(value, attr == "role");
      }
    }
    open(name, chrome, self_closing);
    const size_t end = j + 1;
    if (!self_closing && is_raw_text(name)) {
      space();
      return skip_raw_text(end, name);
    }
    return end;
  }

  // Skips to just after the end tag `</name ...>` matching case-insensitively, or to the end.
  size_t skip_raw_text(size_t from, std::string_view name) const {
    const size_t n = in_.size();
    size_t p = from;
    while (true) {
      const void* hit = std::memchr(in_.data() + p, '<', n - p);
      if (hit == nullptr) return n;
      p = static_cast<size_t>(static_cast<const char*>(hit) - in_.data());
      if (p + 2 + name.size() <= n && in_[p + 1] == '/') {
        bool same = true;
        for (size_t k = 0; k < name.size() && same; ++k) {
          same = ascii_lower(in_[p + 2 + k]) == name[k];
        }
        const size_t after = p + 2 + name.size();
        if (same && (after == n || ends_name(in_[after]))) return skip_past(after, ">");
      }
      ++p;
    }
  }

  // The tag stack --------------------------------------------------------------------------------

  void open(const std::string& name, bool chrome_attr, bool self_closing) {
    breaks(breaks_for(name));
    if (self_closing || is_void(name) || is_raw_text(name)) return;
    if (closes_same(name) && !stack_.empty() && stack_.back().name == name) pop();
    if (stack_.size() >= kMaxDepth) return;
    Kind kind = Kind::kNormal;
    if (is_skipped(name)) {
      kind = Kind::kSkip;
    } else if (chrome_attr && name != "html" && name != "body" && name != "main" &&
               name != "article") {
      kind = Kind::kChrome;
    }
    if (kind == Kind::kSkip) ++skip_depth_;
    ++open_count_[name];
    stack_.push_back(OpenElement{name, kind, out_.size()});
  }

  void close(const std::string& name) {
    const auto it = open_count_.find(name);
    if (it != open_count_.end() && it->second > 0) {
      while (!stack_.empty()) {
        const bool found = stack_.back().name == name;
        pop();
        if (found) break;
      }
    }
    // "</br>" is a <br> to browsers; "</p>" without an open <p> still ends a paragraph.
    breaks(breaks_for(name));
  }

  void pop() {
    OpenElement& e = stack_.back();
    --open_count_[e.name];
    if (e.kind == Kind::kSkip) {
      --skip_depth_;
      breaks(1);
    } else if (e.kind == Kind::kChrome && skip_depth_ == 0 &&
               out_.size() - e.mark <= kMaxChromeBytes) {
      if (out_.size() > e.mark) {
        out_.resize(e.mark);
      }
      breaks(1);
    }
    stack_.pop_back();
  }

  std::string_view in_;
  std::string out_;
  std::vector<OpenElement> stack_;
  std::unordered_map<std::string, uint32_t> open_count_;
  int skip_depth_ = 0;
  int pending_breaks_ = 0;
  bool pending_space_ = false;
};

}  // namespace

std::string html_to_text(std::string_view html) {
  // Repair first so every byte copied through is well-formed and no control reaches the output.
  if (detail::needs_repair(html)) {
    const std::string repaired = repair_utf8(html);
    return Converter(repaired).run();
  }
  return Converter(html).run();
}

}  // namespace brinkwatch::text
