// The Lustre layout an application ran with, from LUSTRE records weighted by bytes moved.
#include <algorithm>
#include <map>
#include <set>
#include <unordered_set>

#include "iorec/darshan/summary.hpp"

namespace iorec::darshan {
namespace {

const FileTotals* FindFile(const std::vector<FileTotals>& files, uint64_t id) {
  auto it = std::lower_bound(files.begin(), files.end(), id,
                             [](const FileTotals& f, uint64_t v) { return f.id < v; });
  return it != files.end() && it->id == id ? &*it : nullptr;
}

/// Index of the component holding the file's last accessed byte, within the first mirror;
/// the last component of that mirror when the offset is unknown or uncovered.
size_t ChooseComponent(const LustreRecord& rec, int64_t max_offset) {
  const int64_t mirror = rec.components.front().mirror_id;
  size_t chosen = 0;
  for (size_t i = 0; i < rec.components.size(); ++i) {
    const LustreComponent& c = rec.components[i];
    if (c.mirror_id != mirror) continue;
    chosen = i;
    const bool to_eof = c.ext_end < 0;
    if (max_offset >= 0 && c.ext_start <= max_offset && (to_eof || max_offset < c.ext_end))
      return i;
  }
  return chosen;
}

struct Group {
  int64_t bytes = 0;
  int64_t files = 0;
  std::set<int64_t> osts;
};

}  // namespace

std::optional<LustreLayout> DominantLayout(const std::vector<LustreRecord>& lustre,
                                           const std::vector<FileTotals>& files) {
  std::map<std::pair<int64_t, int64_t>, Group> groups;  // (stripe count, stripe size)
  std::unordered_set<uint64_t> seen;
  int64_t all_bytes = 0;
  for (const LustreRecord& rec : lustre) {
    if (rec.components.empty() || !seen.insert(rec.id).second) continue;
    const FileTotals* f = FindFile(files, rec.id);
    const int64_t bytes = f ? std::max<int64_t>(0, f->bytes) : 0;
    const size_t ci = ChooseComponent(rec, f ? f->max_offset : -1);
    const LustreComponent& c = rec.components[ci];
    Group& g = groups[{c.stripe_count, c.stripe_size}];
    g.bytes += bytes;
    g.files += 1;
    all_bytes += bytes;
    size_t first = 0;  // the component's OSTs follow those of the components before it
    for (size_t i = 0; i < ci; ++i)
      first += static_cast<size_t>(std::max<int64_t>(0, rec.components[i].stripe_count));
    const size_t n = static_cast<size_t>(std::max<int64_t>(0, c.stripe_count));
    for (size_t i = first; i < first + n && i < rec.ost_ids.size(); ++i)
      g.osts.insert(rec.ost_ids[i]);
  }
  if (groups.empty()) return std::nullopt;
  auto best = groups.begin();
  for (auto it = groups.begin(); it != groups.end(); ++it) {
    const Group& a = it->second;
    const Group& b = best->second;
    if (a.bytes > b.bytes || (a.bytes == b.bytes && a.files > b.files)) best = it;
  }
  LustreLayout out;
  out.stripe_count = best->first.first;
  out.stripe_size = best->first.second;
  out.ost_count = static_cast<int64_t>(best->second.osts.size());
  out.files = best->second.files;
  out.bytes = best->second.bytes;
  out.byte_share =
      all_bytes > 0 ? static_cast<double>(best->second.bytes) / static_cast<double>(all_bytes) : 0;
  return out;
}

}  // namespace iorec::darshan
