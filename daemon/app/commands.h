// The subcommands. Each returns the process exit status.
#pragma once

#include <string>
#include <vector>

namespace brinkwatch::app {

struct Args {
  std::string config = "config/brinkwatch.yaml";
  std::vector<std::string> positional;
  bool explain = false;
  bool json = false;
  bool verbose = false;
  std::string gold;
  std::string pred;  // eval: score an existing predictions file instead of classifying
};

int cmd_classify(const Args& args);
int cmd_validate(const Args& args);
int cmd_test(const Args& args);
int cmd_eval(const Args& args);

}  // namespace brinkwatch::app
