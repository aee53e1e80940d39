#pragma once
// Test helper: writes small synthetic Darshan 3.41 logs (zlib, bzip2 or none; either byte order).
#include <bzlib.h>
#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "iorec/darshan/log.hpp"

namespace iorec::darshan::testing {

struct EncRecord {
  uint64_t id = 0;
  int64_t rank = -1;
  std::map<std::string, int64_t> c;  // by full counter name; others 0
  std::map<std::string, double> f;
};

struct EncLog {
  std::string version = "3.41";
  Compression compression = Compression::kZlib;
  bool swap = false;
  int64_t magic = 6567223;
  int64_t nprocs = 4;
  int64_t jobid = 77;
  int64_t start = 1700000000, end = 1700000100;
  std::string exe = "/bin/app --flag";
  std::string metadata = "lib_ver=3.4.7\n";
  std::vector<std::pair<uint64_t, std::string>> names;
  std::map<int, std::vector<EncRecord>> modules;  // module id -> records (POSIX/MPIIO/STDIO)
  std::map<int, std::string> raw_modules;         // module id -> raw uncompressed bytes
  std::map<int, uint32_t> versions;               // module id -> version override
  uint64_t partial_flag = 0;                      // bit per module id
  bool split_streams = false;                     // compress each region as two streams
  int zlib_level = 6;
};

class Encoder {
 public:
  static std::string Compress(const std::string& raw, Compression c, int level = 6) {
    if (c == Compression::kNone) return raw;
    if (c == Compression::kZlib) {
      uLongf len = compressBound(raw.size());
      std::string out(len, '\0');
      if (compress2(reinterpret_cast<Bytef*>(out.data()), &len,
                    reinterpret_cast<const Bytef*>(raw.data()), raw.size(), level) != Z_OK)
        throw std::runtime_error("compress");
      out.resize(len);
      return out;
    }
    unsigned len = static_cast<unsigned>(raw.size() * 1.02 + 700);
    std::string out(len, '\0');
    if (BZ2_bzBuffToBuffCompress(out.data(), &len, const_cast<char*>(raw.data()),
                                 static_cast<unsigned>(raw.size()), 9, 0, 0) != BZ_OK)
      throw std::runtime_error("bz compress");
    out.resize(len);
    return out;
  }

  static std::string Encode(const EncLog& L) {
    auto u64 = [&](std::string& s, uint64_t v) {
      if (L.swap) v = __builtin_bswap64(v);
      s.append(reinterpret_cast<const char*>(&v), 8);
    };
    auto u32 = [&](std::string& s, uint32_t v) {
      if (L.swap) v = __builtin_bswap32(v);
      s.append(reinterpret_cast<const char*>(&v), 4);
    };
    auto dbl = [&](std::string& s, double d) {
      uint64_t v;
      std::memcpy(&v, &d, 8);
      u64(s, v);
    };
    auto comp = [&](const std::string& raw) {
      if (!L.split_streams || raw.size() < 2) return Compress(raw, L.compression, L.zlib_level);
      size_t half = raw.size() / 2;
      return Compress(raw.substr(0, half), L.compression) +
             Compress(raw.substr(half), L.compression);
    };
    // job region
    std::string job;
    u64(job, 0);
    u64(job, L.start);
    u64(job, 5);
    u64(job, L.end);
    u64(job, 7);
    u64(job, L.nprocs);
    u64(job, L.jobid);
    std::string meta = L.metadata;
    meta.resize(1024, '\0');
    job += meta;
    job += L.exe + "\nlustre\t/mnt/lfs\next4\t/\n";
    job.push_back('\0');
    std::string names;
    for (const auto& [id, n] : L.names) {
      u64(names, id);
      names += n;
      names.push_back('\0');
    }
    std::map<int, std::string> mods = L.raw_modules;
    for (const auto& [mod, recs] : L.modules) {
      uint32_t ver = L.versions.count(mod) ? L.versions.at(mod) : DefaultVersion(mod);
      const auto* cn = CounterNames(mod, ver);
      const auto* fn = FCounterNames(mod, ver);
      std::string raw;
      for (const auto& r : recs) {
        u64(raw, r.id);
        u64(raw, static_cast<uint64_t>(r.rank));
        for (const auto& n : *cn) {
          auto it = r.c.find(n);
          u64(raw, static_cast<uint64_t>(it == r.c.end() ? 0 : it->second));
        }
        for (const auto& n : *fn) {
          auto it = r.f.find(n);
          dbl(raw, it == r.f.end() ? 0.0 : it->second);
        }
      }
      mods[mod] = raw;
    }
    const size_t kHeader = 1328;
    std::string body;
    std::string cjob = comp(job), cnames = comp(names);
    uint64_t off = kHeader;
    body += cjob;
    off += cjob.size();
    uint64_t names_off = off;
    body += cnames;
    off += cnames.size();
    std::vector<std::pair<uint64_t, uint64_t>> map(64, {0, 0});
    std::vector<uint32_t> ver(64, 0);
    for (const auto& [mod, raw] : mods) {
      std::string c = comp(raw);
      map[mod] = {off, c.size()};
      ver[mod] = L.versions.count(mod) ? L.versions.at(mod) : DefaultVersion(mod);
      body += c;
      off += c.size();
    }
    std::string h;
    std::string v = L.version;
    v.resize(8, '\0');
    h += v;
    u64(h, static_cast<uint64_t>(L.magic));
    h.push_back(static_cast<char>(L.compression));
    h.append(7, '\0');
    u64(h, L.partial_flag);
    u64(h, names_off);
    u64(h, cnames.size());
    for (auto& m : map) {
      u64(h, m.first);
      u64(h, m.second);
    }
    for (auto x : ver) u32(h, x);
    if (h.size() != kHeader) throw std::runtime_error("header size");
    return h + body;
  }

  static uint32_t DefaultVersion(int mod) {
    switch (mod) {
      case 1:
        return 4;
      case 2:
        return 3;
      case 8:
        return 2;
      case 9:
        return 2;
      default:
        return 1;
    }
  }
};

}  // namespace iorec::darshan::testing
