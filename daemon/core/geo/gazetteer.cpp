#include "core/geo/gazetteer.h"

#include <cctype>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace brinkwatch::geo {

const char* to_string(NameKind k) {
  switch (k) {
    case NameKind::name: return "name";
    case NameKind::demonym: return "demonym";
    case NameKind::capital: return "capital";
    case NameKind::city: return "city";
    case NameKind::institution: return "institution";
    case NameKind::leader: return "leader";
    case NameKind::theatre: return "theatre";
  }
  return "name";
}

std::string slug(std::string_view name) {
  std::string out;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) {
      out += static_cast<char>(std::tolower(u));
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

std::vector<std::string> Gazetteer::region_keys(int32_t country) const {
  std::vector<std::string> keys;
  if (country < 0 || static_cast<size_t>(country) >= countries.size()) return keys;
  const Country& c = countries[static_cast<size_t>(country)];
  keys.push_back("country:" + c.code);
  if (!c.sub_region.empty()) keys.push_back("m49:" + slug(c.sub_region));
  if (!c.intermediate.empty()) keys.push_back("m49:" + slug(c.intermediate));
  return keys;
}

namespace {

using rules::Diagnostics;
using rules::Source;

rules::Mark mark_of(const std::string& file, const YAML::Node& n) {
  return {file, n.Mark().line + 1, n.Mark().column + 1};
}

void error(Diagnostics& d, const std::string& file, const YAML::Node& n, const std::string& code,
           const std::string& msg) {
  d.error(code, file, n.Mark().line + 1, n.Mark().column + 1, msg);
}

struct Ctx {
  const Source& src;
  Gazetteer& g;
  Diagnostics& d;
};

bool check_keys(Ctx& c, const YAML::Node& map, std::initializer_list<std::string_view> allowed,
                std::string_view what) {
  bool ok = true;
  for (const auto& kv : map) {
    const std::string key = kv.first.Scalar();
    bool found = false;
    for (auto a : allowed) found |= a == key;
    if (!found) {
      error(c.d, c.src.name, kv.first, "unknown-key", fmt::format("unknown key \"{}\" in {}", key, what));
      ok = false;
    }
  }
  return ok;
}

// names: {en: [..], fr: [..]} → PlaceName entries.
void add_names(Ctx& c, const YAML::Node& by_lang, NameKind kind, int32_t country, int32_t theatre) {
  if (!by_lang) return;
  if (!by_lang.IsMap()) {
    error(c.d, c.src.name, by_lang, "wrong-type", "names must map a language code to a list of names");
    return;
  }
  for (const auto& kv : by_lang) {
    const std::string lang = kv.first.Scalar();
    const YAML::Node list = kv.second;
    if (list.IsScalar()) {
      c.g.names.push_back({{list.Scalar(), mark_of(c.src.name, list)}, lang, kind, country, theatre});
      continue;
    }
    if (!list.IsSequence()) {
      error(c.d, c.src.name, list, "wrong-type", "expected a list of names");
      continue;
    }
    for (const auto& n : list) {
      if (!n.IsScalar() || n.Scalar().empty()) {
        error(c.d, c.src.name, n, "wrong-type", "each name must be a non-empty string");
        continue;
      }
      c.g.names.push_back({{n.Scalar(), mark_of(c.src.name, n)}, lang, kind, country, theatre});
    }
  }
}

std::string str(const YAML::Node& n) { return n && n.IsScalar() ? n.Scalar() : std::string(); }

void read_countries(Ctx& c, const YAML::Node& list) {
  if (!list.IsSequence()) {
    error(c.d, c.src.name, list, "wrong-type", "countries must be a list");
    return;
  }
  for (const auto& n : list) {
    if (!n.IsMap() || !n["code"]) {
      error(c.d, c.src.name, n, "missing-key", "each country needs a code:");
      continue;
    }
    check_keys(c, n, {"code", "name", "m49_region", "m49_sub_region", "m49_intermediate_region",
                      "names", "demonyms", "capitals", "cities", "institutions", "leaders"},
               "a country");
    Country country;
    country.code = str(n["code"]);
    if (country.code.size() != 2 || !std::isupper(static_cast<unsigned char>(country.code[0])) ||
        !std::isupper(static_cast<unsigned char>(country.code[1]))) {
      error(c.d, c.src.name, n["code"], "bad-value",
            fmt::format("\"{}\" is not an ISO 3166-1 alpha-2 code (two capital letters)", country.code));
      continue;
    }
    if (c.g.by_code.count(country.code)) {
      error(c.d, c.src.name, n["code"], "duplicate-country", fmt::format("country {} is defined twice", country.code));
      continue;
    }
    country.name = str(n["name"]);
    country.region = str(n["m49_region"]);
    country.sub_region = str(n["m49_sub_region"]);
    country.intermediate = str(n["m49_intermediate_region"]);
    const auto idx = static_cast<int32_t>(c.g.countries.size());
    c.g.by_code[country.code] = idx;
    c.g.countries.push_back(std::move(country));
    add_names(c, n["names"], NameKind::name, idx, -1);
    add_names(c, n["demonyms"], NameKind::demonym, idx, -1);
    add_names(c, n["capitals"], NameKind::capital, idx, -1);
    add_names(c, n["cities"], NameKind::city, idx, -1);
    add_names(c, n["institutions"], NameKind::institution, idx, -1);
    add_names(c, n["leaders"], NameKind::leader, idx, -1);
  }
}

}  // namespace

Gazetteer load_gazetteer(const std::vector<Source>& sources, Diagnostics& diags) {
  Gazetteer g;
  std::vector<std::pair<const Source*, YAML::Node>> docs;
  for (const auto& src : sources) {
    try {
      docs.emplace_back(&src, YAML::Load(src.content));
    } catch (const YAML::Exception& e) {
      diags.error("yaml-syntax", src.name, e.mark.line + 1, e.mark.column + 1, e.msg);
    }
  }
  // Countries first, whatever the file order, so places and theatres can refer to them.
  for (auto& [src, root] : docs) {
    Ctx c{*src, g, diags};
    if (root.IsNull()) continue;
    if (!root.IsMap()) {
      error(diags, src->name, root, "wrong-type", "a gazetteer file must be a mapping (countries:, places:, theatres:)");
      continue;
    }
    check_keys(c, root, {"countries", "places", "theatres"}, "a gazetteer file");
    if (root["countries"]) read_countries(c, root["countries"]);
  }
  for (auto& [src, root] : docs) {
    Ctx c{*src, g, diags};
    if (!root.IsMap()) continue;
    if (const auto places = root["places"]) {
      if (!places.IsSequence()) {
        error(diags, src->name, places, "wrong-type", "places must be a list");
      } else {
        for (const auto& n : places) {
          if (!n.IsMap() || !n["code"]) {
            error(diags, src->name, n, "missing-key", "each place entry needs a code:");
            continue;
          }
          check_keys(c, n, {"code", "names", "demonyms", "capitals", "cities", "institutions", "leaders"},
                     "a place entry");
          const auto it = g.by_code.find(str(n["code"]));
          if (it == g.by_code.end()) {
            error(diags, src->name, n["code"], "unknown-country",
                  fmt::format("no country with code \"{}\" (define it under countries:)", str(n["code"])));
            continue;
          }
          add_names(c, n["names"], NameKind::name, it->second, -1);
          add_names(c, n["demonyms"], NameKind::demonym, it->second, -1);
          add_names(c, n["capitals"], NameKind::capital, it->second, -1);
          add_names(c, n["cities"], NameKind::city, it->second, -1);
          add_names(c, n["institutions"], NameKind::institution, it->second, -1);
          add_names(c, n["leaders"], NameKind::leader, it->second, -1);
        }
      }
    }
    if (const auto theatres = root["theatres"]) {
      if (!theatres.IsSequence()) {
        error(diags, src->name, theatres, "wrong-type", "theatres must be a list");
        continue;
      }
      for (const auto& n : theatres) {
        if (!n.IsMap() || !n["id"]) {
          error(diags, src->name, n, "missing-key", "each theatre needs an id:");
          continue;
        }
        check_keys(c, n, {"id", "name", "names", "countries"}, "a theatre");
        Theatre t;
        t.id = str(n["id"]);
        t.name = str(n["name"]);
        if (const auto cs = n["countries"]; cs && cs.IsSequence()) {
          for (const auto& code : cs) {
            if (!g.by_code.count(str(code))) {
              error(diags, src->name, code, "unknown-country",
                    fmt::format("theatre \"{}\": no country with code \"{}\"", t.id, str(code)));
              continue;
            }
            t.countries.push_back(str(code));
          }
        }
        const auto idx = static_cast<int32_t>(g.theatres.size());
        g.theatres.push_back(std::move(t));
        add_names(c, n["names"], NameKind::theatre, -1, idx);
      }
    }
  }
  return g;
}

}  // namespace brinkwatch::geo
