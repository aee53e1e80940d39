#include "iorec/report/plot.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "iorec/core/file_io.hpp"

extern char** environ;

namespace iorec::report {
namespace {

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += (c == '\'') ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string Num(double v) {
  if (!std::isfinite(v)) return "NaN";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

}  // namespace

std::string RenderGnuplot(const std::filesystem::path& dir, const std::string& stem) {
  const std::string tmp = stem + ".png.tmp";
  const std::string set_out = "out=" + Quote(tmp);
  const std::string script = stem + ".gp";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addchdir_np(&fa, dir.c_str());
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  const char* argv[] = {"gnuplot", "-e", set_out.c_str(), script.c_str(), nullptr};
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, "gnuplot", &fa, nullptr, const_cast<char**>(argv), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return "gnuplot not found; kept " + (dir / script).string() + " and its data";
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::error_code ec;
    std::filesystem::remove(dir / tmp, ec);
    return "gnuplot failed on " + (dir / script).string();
  }
  std::error_code ec;
  std::filesystem::rename(dir / tmp, dir / (stem + ".png"), ec);
  if (ec) return "cannot rename " + (dir / tmp).string() + ": " + ec.message();
  return "";
}

std::string WriteLinePlot(const std::filesystem::path& dir, const LinePlot& p) {
  std::ostringstream dat;
  dat << "# " << p.xlabel;
  for (const auto& s : p.series) dat << '\t' << s.title;
  dat << '\n';
  for (size_t i = 0; i < p.x.size(); ++i) {
    dat << Num(p.x[i]);
    for (const auto& s : p.series) dat << '\t' << (i < s.y.size() ? Num(s.y[i]) : "NaN");
    dat << '\n';
  }
  std::ostringstream gp;
  gp << "# Rendered by iorec; re-run with: gnuplot " << p.name << ".gp\n"
     << "if (!exists(\"out\")) out = " << Quote(p.name + ".png") << "\n"
     << "set terminal pngcairo noenhanced size 900,540 font 'sans,11'\n"
     << "set output out\n"
     << "set title " << Quote(p.title) << "\n"
     << "set xlabel " << Quote(p.xlabel) << "\n"
     << "set ylabel " << Quote(p.ylabel) << "\n"
     << "set grid\n"
     << "set key outside right top\n"
     << "set datafile missing 'NaN'\n";
  if (p.y_from_zero) gp << "set yrange [0:*]\n";
  gp << "plot ";
  for (size_t s = 0; s < p.series.size(); ++s) {
    if (s) gp << ", \\\n     ";
    gp << Quote(p.name + ".dat") << " using 1:" << (s + 2) << " with linespoints lw 2 pt 7 title "
       << Quote(p.series[s].title);
  }
  gp << "\n";
  core::WriteFileAtomic(dir / (p.name + ".dat"), dat.str());
  core::WriteFileAtomic(dir / (p.name + ".gp"), gp.str());
  return RenderGnuplot(dir, p.name);
}

}  // namespace iorec::report
