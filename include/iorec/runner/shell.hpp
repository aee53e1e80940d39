#pragma once
/// Quoting for /bin/sh. Every value iorec puts into a shell command line goes through these,
/// so no value (a knob value, a workload name, a path with spaces or quotes) is ever parsed
/// as shell syntax. Prefer an argument vector (runner::ProcessSpec::argv) where no shell is
/// needed at all.
#include <string>
#include <string_view>
#include <vector>

namespace iorec::runner {

/// `s` as one single-quoted shell word, each `'` written as `'\''`: `it's` -> `'it'\''s'`,
/// `` -> `''`. Any bytes but NUL survive /bin/sh unchanged (spaces, `$(...)`, backquotes,
/// newlines, non-ASCII).
std::string ShellQuote(std::string_view s);

/// `s` as one shell word, quoted with ShellQuote only when it holds a character outside
/// [A-Za-z0-9_@%+=:,./-] (or is empty): `-c` and `/tmp/x` stay as they are, `a b` becomes
/// `'a b'`. For command lines people read (dry runs, logs).
std::string ShellWord(std::string_view s);

/// An argument vector as one command line, each argument a ShellWord, separated by spaces.
std::string ShellJoin(const std::vector<std::string>& argv);

}  // namespace iorec::runner
