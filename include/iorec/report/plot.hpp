#pragma once
/// PNG plots through gnuplot. Each plot leaves <name>.dat, <name>.gp and <name>.png side
/// by side, so it can be re-rendered or restyled by hand (`gnuplot <name>.gp`).
#include <filesystem>
#include <string>
#include <vector>

namespace iorec::report {

struct Series {
  std::string title;
  std::vector<double> y;  ///< same length as x; NaN leaves a gap
};

struct LinePlot {
  std::string name;  ///< file stem
  std::string title;
  std::string xlabel;
  std::string ylabel;
  std::vector<double> x;
  std::vector<Series> series;
  bool y_from_zero = false;
};

/// Writes the data and script atomically, then renders the PNG. Returns an empty string on
/// success, else a warning (e.g. gnuplot missing); the .dat and .gp are kept either way.
std::string WriteLinePlot(const std::filesystem::path& dir, const LinePlot& plot);

/// Runs gnuplot on `script` in `dir`; the PNG is written to a temp name and renamed.
/// Returns an empty string on success, else the reason.
std::string RenderGnuplot(const std::filesystem::path& dir, const std::string& stem);

}  // namespace iorec::report
