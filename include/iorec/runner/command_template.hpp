#pragma once
/// The `runner.command` template: `/bin/sh` text with `{placeholder}`s whose values are
/// quoted for where each placeholder stands, so no value is ever parsed as shell syntax.
#include <map>
#include <string>
#include <vector>

#include "iorec/space/space.hpp"

namespace iorec::runner {

/// Placeholders every command template may use besides the knob names.
const std::vector<std::string>& BuiltinPlaceholders();
/// True for a POSIX environment variable name: [A-Za-z_][A-Za-z0-9_]*.
bool IsValidEnvName(const std::string& name);
/// IOREC_KNOB_<NAME> with the knob name in upper case.
std::string KnobEnvName(const std::string& knob);
/// The environment variable that holds a placeholder's value in a trial (IOREC_WORKLOAD for
/// {workload}, IOREC_KNOB_BS for {bs}).
std::string PlaceholderEnvName(const std::string& placeholder);

/// Where a placeholder stands in the shell text; decides how its value is written.
enum class ShellContext {
  kWord,          ///< unquoted (also inside $(...)): the value becomes 'value'
  kSingleQuoted,  ///< inside '...': the quote is closed, 'value' inserted, then reopened
  kDoubleQuoted,  ///< inside "...": the same with double quotes around 'value'
  kArithmetic,    ///< inside $((...)): the value must be an integer and is inserted as is
  kComment,       ///< after #: inserted with newlines turned into spaces
};

/// A parsed command template. `{name}` is a placeholder when name is an identifier and the
/// brace is not preceded by `$` (so `${HOME}` and `awk '{print $1}'` stay literal); `{{` and
/// `}}` are literal braces. The text is read as /bin/sh reads it (quotes, backslashes,
/// `$(...)`, `$((...))`, `${...}`, backquotes, comments, here-documents, `case` patterns)
/// to find each placeholder's context. A placeholder where no quoting is safe (inside
/// backquotes, `${...}`, `$'...'`, a here-document, or right after a backslash) is a
/// problem: the message names the environment variable to use there instead.
class CommandTemplate {
 public:
  /// Parses `text`; every unknown or unquotable placeholder, and unterminated quoting,
  /// adds a message to `problems`.
  static CommandTemplate Parse(const std::string& text, const std::vector<std::string>& knob_names,
                               std::vector<std::string>* problems);
  /// Parse, then checks every value of every knob where its placeholders stand (a knob in
  /// `$((...))` must have integer values only).
  static CommandTemplate Parse(const std::string& text, const space::Space& space,
                               std::vector<std::string>* problems);
  /// Substitutes the values, each quoted for its context. Throws core::Error for a missing
  /// value or a value its context cannot hold (a non-integer in `$((...))`).
  std::string Render(const std::map<std::string, std::string>& values) const;
  /// The placeholders used, in order of first use.
  std::vector<std::string> Placeholders() const;
  /// Why `value` cannot stand where placeholder `name` is used; empty when it can.
  std::string CheckValue(const std::string& name, const std::string& value) const;

 private:
  struct Part {
    bool placeholder = false;
    std::string text;  ///< literal text, or the placeholder's name
    ShellContext context = ShellContext::kWord;
  };
  std::vector<Part> parts_;
};

}  // namespace iorec::runner
