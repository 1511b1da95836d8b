// proctor-load: the bundled scripted load generator (tools/scenarios/README.md).

#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "driver.hpp"
#include "options.hpp"
#include "scenario.hpp"

int main(int argc, char** argv) {
  using namespace proctord::load;
  options opts;
  try {
    opts = parse_options(argc, argv);
  } catch (const usage_error& e) {
    if (*e.what())
      std::cerr << "proctor-load: " << e.what() << "\n\n";
    std::cerr << usage();
    return *e.what() ? 2 : 0;
  }
  try {
    auto plan = load_scenario(opts.scenario_path, opts.overrides);
    if (opts.url)
      plan.url = parse_endpoint(*opts.url);
    auto r = run_scenario(opts, plan);
    std::cout << render_text(r) << std::flush;
    if (!opts.json_path.empty()) {
      std::ofstream out(opts.json_path);
      out << to_json(r).dump(2) << "\n";
      if (!out)
        throw std::runtime_error("cannot write " + opts.json_path);
    }
    return r.connected == 0 ? 1 : 0;
  } catch (const scenario_error& e) {
    std::cerr << "proctor-load: scenario " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "proctor-load: " << e.what() << "\n";
    return 1;
  }
}
