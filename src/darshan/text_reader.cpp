// Reader for darshan-parser text output.
#include <charconv>
#include <cstring>
#include <map>
#include <optional>
#include <set>

#include "iorec/core/error.hpp"
#include "iorec/core/file_io.hpp"
#include "iorec/darshan/summary.hpp"

namespace iorec::darshan {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string PrefixForModule(std::string_view module) {
  if (module == "POSIX") return "POSIX";
  if (module == "MPI-IO" || module == "MPIIO") return "MPIIO";
  if (module == "STDIO") return "STDIO";
  return "";
}

int ModuleIdForPrefix(const std::string& p) {
  return p == "POSIX" ? 1 : p == "MPIIO" ? 2 : p == "STDIO" ? 9 : 0;
}

class TextParser {
 public:
  TextParser(std::string_view text, std::string name) : text_(text), name_(std::move(name)) {}

  LogSummary Run() {
    if (!LooksLikeParserText(text_))
      Fail(1, "not darshan-parser output (expected '# darshan log version:' on the first line)");
    out_.source = name_;
    size_t pos = 0;
    while (pos < text_.size()) {
      size_t nl = text_.find('\n', pos);
      std::string_view line =
          text_.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
      pos = nl == std::string_view::npos ? text_.size() : nl + 1;
      ++line_no_;
      Line(Trim(line));
    }
    if (out_.nprocs <= 0)
      throw core::InputError(name_ +
                             ": no '# nprocs:' line; not complete darshan-parser output (the job "
                             "header is needed)");
    Finish();
    return std::move(out_);
  }

 private:
  [[noreturn]] void Fail(size_t line, const std::string& problem) const {
    throw core::InputError(name_ + ": line " + std::to_string(line) + ": " + problem);
  }

  int64_t Int(std::string_view s) const {
    s = Trim(s);
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size())
      Fail(line_no_, "expected an integer, got '" + std::string(s.substr(0, 40)) + "'");
    return v;
  }
  uint64_t UInt(std::string_view s) const {
    s = Trim(s);
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size())
      Fail(line_no_, "expected a record id, got '" + std::string(s.substr(0, 40)) + "'");
    return v;
  }
  double Real(std::string_view s) const {
    s = Trim(s);
    size_t hash = s.find('#');
    if (hash != std::string_view::npos) s = Trim(s.substr(0, hash));
    double v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size())
      Fail(line_no_, "expected a number, got '" + std::string(s.substr(0, 40)) + "'");
    return v;
  }

  void Line(std::string_view line) {
    if (line.empty()) return;
    if (line[0] == '#') return Comment(Trim(line.substr(1)));
    if (StartsWith(line, "total_")) return TotalLine(line.substr(6));
    RecordLine(line);
  }

  void Comment(std::string_view c) {
    auto value_of = [&](std::string_view key) -> std::optional<std::string_view> {
      if (StartsWith(c, key)) return Trim(c.substr(key.size()));
      return std::nullopt;
    };
    if (auto v = value_of("darshan log version:")) {
      out_.version = std::string(*v);
    } else if (auto v = value_of("exe:")) {
      out_.exe = std::string(*v);
    } else if (auto v = value_of("uid:")) {
      out_.uid = Int(*v);
    } else if (auto v = value_of("jobid:")) {
      out_.jobid = Int(*v);
    } else if (auto v = value_of("start_time:")) {
      out_.start_time = Int(*v);
    } else if (auto v = value_of("end_time:")) {
      out_.end_time = Int(*v);
    } else if (auto v = value_of("nprocs:")) {
      out_.nprocs = Int(*v);
      if (out_.nprocs <= 0) Fail(line_no_, "nprocs must be positive");
    } else if (auto v = value_of("run time:")) {
      out_.run_time = Real(*v);
    } else if (EndsWith(c, " module data") && c.find(':') == std::string_view::npos) {
      std::string mod(Trim(c.substr(0, c.size() - 12)));
      current_ = PrefixForModule(mod);
      if (!current_.empty()) Mod(current_);
    } else if (c.find(" module: ") != std::string_view::npos &&
               c.find("ver=") != std::string_view::npos) {
      std::string mod(c.substr(0, c.find(" module: ")));
      std::string p = PrefixForModule(mod);
      if (!p.empty()) versions_[p] = static_cast<uint32_t>(Int(c.substr(c.find("ver=") + 4)));
    } else if (!current_.empty()) {
      ModuleComment(c);
    }
  }

  static bool EndsWith(std::string_view s, std::string_view suf) {
    return s.size() >= suf.size() && s.substr(s.size() - suf.size()) == suf;
  }

  ModuleSummary& Mod(const std::string& prefix) {
    ModuleSummary& m = out_.modules[prefix];
    m.prefix = prefix;
    return m;
  }

  void ModuleComment(std::string_view c) {
    ModuleSummary& m = Mod(current_);
    static const std::pair<const char*, FileCategory FileCategories::*> kCats[] = {
        {"total:", &FileCategories::total},           {"read_only:", &FileCategories::read_only},
        {"write_only:", &FileCategories::write_only}, {"read_write:", &FileCategories::read_write},
        {"unique:", &FileCategories::unique},         {"shared:", &FileCategories::shared}};
    for (const auto& [key, member] : kCats) {
      if (StartsWith(c, key)) {
        std::string_view rest = Trim(c.substr(std::strlen(key)));
        // "<count> <bytes> <max offset>"
        int64_t v[3];
        for (int i = 0; i < 3; ++i) {
          size_t sp = rest.find(' ');
          v[i] = Int(rest.substr(0, sp));
          rest = sp == std::string_view::npos ? std::string_view() : Trim(rest.substr(sp));
          if (i < 2 && rest.empty()) Fail(line_no_, "file category needs 3 numbers");
        }
        m.files.*member = FileCategory{v[0], v[1], v[2]};
        m.has_files = true;
        return;
      }
    }
    PerfEstimate& p = m.perf;
    auto num = [&](std::string_view key, double* dst) {
      if (!StartsWith(c, key)) return false;
      *dst = Real(c.substr(key.size()));
      m.has_perf = true;
      return true;
    };
    if (StartsWith(c, "total_bytes:")) {
      p.total_bytes = Int(c.substr(12));
      m.has_perf = true;
      return;
    }
    if (StartsWith(c, "unique files: slowest_rank:")) {
      p.slowest_rank = Int(c.substr(27));
      return;
    }
    num("unique files: slowest_rank_io_time:", &p.slowest_rank_io_time) ||
        num("unique files: slowest_rank_meta_only_time:", &p.slowest_rank_meta_only_time) ||
        num("unique files: slowest_rank_rw_only_time:", &p.slowest_rank_rw_only_time) ||
        num("shared files: time_by_slowest:", &p.shared_time_by_slowest) ||
        num("agg_time_by_slowest:", &p.agg_time_by_slowest) ||
        num("agg_perf_by_slowest:", &p.agg_perf_by_slowest);
  }

  void TotalLine(std::string_view rest) {
    size_t colon = rest.find(':');
    if (colon == std::string_view::npos) Fail(line_no_, "total line without ':'");
    std::string name(Trim(rest.substr(0, colon)));
    std::string prefix = name.substr(0, name.find('_'));
    if (prefix != "POSIX" && prefix != "MPIIO" && prefix != "STDIO") return;
    ModuleSummary& m = Mod(prefix);
    if (name.find("_F_") != std::string::npos)
      m.ftotals[name] = Real(rest.substr(colon + 1));
    else
      m.totals[name] = Int(rest.substr(colon + 1));
    have_totals_.insert(prefix);
  }

  void RecordLine(std::string_view line) {
    std::string_view f[6];
    size_t n = 0;
    size_t pos = 0;
    while (n < 6) {
      size_t tab = line.find('\t', pos);
      f[n++] = line.substr(pos, tab == std::string_view::npos ? std::string_view::npos : tab - pos);
      if (tab == std::string_view::npos) break;
      pos = tab + 1;
    }
    if (n < 5) Fail(line_no_, "unrecognised line (expected a '# ' comment, 'total_' or a record)");
    std::string prefix = PrefixForModule(Trim(f[0]));
    if (prefix.empty()) return;  // other modules are not aggregated
    int64_t rank = Int(f[1]);
    uint64_t id = UInt(f[2]);
    std::string counter(Trim(f[3]));
    auto& recs = records_[prefix];
    auto key = std::make_pair(id, rank);
    auto it = index_[prefix].find(key);
    size_t r;
    if (it == index_[prefix].end()) {
      if (recs.size() >= (1u << 26)) Fail(line_no_, "too many records");
      r = recs.size();
      index_[prefix][key] = r;
      recs.push_back({id, rank, {}, {}});
    } else {
      r = it->second;
    }
    if (counter.find("_F_") != std::string::npos)
      recs[r].f[counter] = Real(f[4]);
    else
      recs[r].c[counter] = Int(f[4]);
  }

  void Finish() {
    for (auto& [prefix, recs] : records_) {
      int mod = ModuleIdForPrefix(prefix);
      uint32_t ver = versions_.count(prefix) ? versions_[prefix]
                                             : (mod == 1   ? 4
                                                : mod == 2 ? 3
                                                           : 2);
      ModuleData md;
      md.module_id = mod;
      md.prefix = prefix;
      md.version = ver;
      md.counter_names = CounterNames(mod, ver);
      md.fcounter_names = FCounterNames(mod, ver);
      if (!md.counter_names) {
        out_.notes.push_back(prefix + " module version " + std::to_string(ver) +
                             " records not aggregated from text");
        continue;
      }
      for (const auto& rec : recs) {
        const size_t idx = md.AddRecord(rec.id, rec.rank);
        int64_t* c = md.MutableCounters(idx);
        double* f = md.MutableFCounters(idx);
        for (size_t i = 0; i < md.NumCounters(); ++i) {
          auto it = rec.c.find((*md.counter_names)[i]);
          if (it != rec.c.end()) c[i] = it->second;
        }
        for (size_t i = 0; i < md.NumFCounters(); ++i) {
          auto it = rec.f.find((*md.fcounter_names)[i]);
          if (it != rec.f.end()) f[i] = it->second;
        }
      }
      ModuleSummary computed = SummarizeModule(md, out_.nprocs);
      ModuleSummary& m = Mod(prefix);
      m.num_records = computed.num_records;
      if (!have_totals_.count(prefix)) {
        m.totals = computed.totals;
        m.ftotals = computed.ftotals;
      }
      if (!m.has_files) m.files = computed.files, m.has_files = true;
      if (!m.has_perf) m.perf = computed.perf, m.has_perf = true;
    }
  }

  struct TextRecord {
    uint64_t id;
    int64_t rank;
    std::map<std::string, int64_t> c;
    std::map<std::string, double> f;
  };

  std::string_view text_;
  std::string name_;
  size_t line_no_ = 0;
  LogSummary out_;
  std::string current_;
  std::map<std::string, uint32_t> versions_;
  std::set<std::string> have_totals_;
  std::map<std::string, std::vector<TextRecord>> records_;
  std::map<std::string, std::map<std::pair<uint64_t, int64_t>, size_t>> index_;
};

}  // namespace

bool LooksLikeParserText(std::string_view head) {
  return head.substr(0, 22) == "# darshan log version:";
}

LogSummary ParseParserText(std::string_view text, const std::string& name) {
  return TextParser(text, name).Run();
}

LogSummary ReadParserText(const std::filesystem::path& path) {
  std::string text = core::ReadFile(path);
  return ParseParserText(text, path.string());
}

LogSummary SummarizeAnyLog(std::span<const unsigned char> bytes, const std::string& name) {
  std::string_view view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (LooksLikeParserText(view)) return ParseParserText(view, name);
  return SummarizeLogBytes(bytes, name);
}

LogSummary ReadAnyLog(const std::filesystem::path& path) {
  MappedFile file(path);
  return SummarizeAnyLog(file.bytes(), path.string());
}

}  // namespace iorec::darshan
