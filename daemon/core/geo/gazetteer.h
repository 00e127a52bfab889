// Countries, theatres and the names that stand for them (config/geo/*.yaml).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/rules/rulebook.h"

namespace brinkwatch::geo {

struct Country {
  std::string code;   // ISO 3166-1 alpha-2
  std::string name;
  std::string region;            // UN M49 region ("Americas")
  std::string sub_region;        // UN M49 sub-region ("Latin America and the Caribbean")
  std::string intermediate;      // UN M49 intermediate region ("Caribbean"), may be empty
};

struct Theatre {
  std::string id;    // "caribbean_sea"
  std::string name;  // "Caribbean Sea"
  std::vector<std::string> countries;  // littoral or concerned states
};

// How a name stands for its place. Institutions and leaders name the state as an actor.
enum class NameKind : uint8_t { name, demonym, capital, city, institution, leader, theatre };
const char* to_string(NameKind k);

struct PlaceName {
  rules::Term term;
  std::string lang;
  NameKind kind = NameKind::name;
  int32_t country = -1;  // index into Gazetteer::countries, or -1
  int32_t theatre = -1;  // index into Gazetteer::theatres, or -1
};

struct Gazetteer {
  std::vector<Country> countries;
  std::vector<Theatre> theatres;
  std::vector<PlaceName> names;
  std::map<std::string, int32_t> by_code;

  // Region keys a country rolls up into: "country:VE", "m49:latin-america-and-the-caribbean", ...
  std::vector<std::string> region_keys(int32_t country) const;
};

// read + merge of the gazetteer files: `countries:` entries define countries, `places:` entries
// add names to existing countries by code, `theatres:` define theatres.
Gazetteer load_gazetteer(const std::vector<rules::Source>& sources, rules::Diagnostics& diags);

std::string slug(std::string_view name);

}  // namespace brinkwatch::geo
