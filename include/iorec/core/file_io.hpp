#pragma once
/// Small file helpers. Writes are atomic: a temp file in the same directory,
/// fsync, then rename, so a crash never leaves a half-written output.
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace iorec::core {

/// Reads a whole file. Throws InputError naming the path if it cannot be read.
std::string ReadFile(const std::filesystem::path& path);

/// Reads a whole input file of at most `max_bytes` (a pipe such as `<(...)` works too). Throws
/// InputError naming the path when it cannot be read or holds more ("more than 16 MiB; too
/// large for a config file", with `what` = "a config file").
std::string ReadInputFile(const std::filesystem::path& path, size_t max_bytes,
                          const std::string& what);

/// The size limit of config and workload files.
inline constexpr size_t kMaxInputFileBytes = size_t{16} << 20;

/// Writes `content` to `path` atomically; creates parent directories.
/// Throws Error naming the path on failure (e.g. disk full).
void WriteFileAtomic(const std::filesystem::path& path, std::string_view content);

}  // namespace iorec::core
