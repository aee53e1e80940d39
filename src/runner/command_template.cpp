// The command template: a small /bin/sh lexer finds, for each placeholder, whether it stands
// unquoted, in quotes, in arithmetic or in a comment, so that Render can quote its value.
#include "iorec/runner/command_template.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include "iorec/core/error.hpp"
#include "iorec/runner/shell.hpp"

namespace iorec::runner {
namespace {

bool IsIdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool IsBlank(char c) { return c == ' ' || c == '\t'; }
/// Characters that end a shell word outside quotes.
bool IsWordBreak(char c) {
  return IsBlank(c) || c == '\n' || c == ';' || c == '&' || c == '|' || c == '(' || c == ')' ||
         c == '<' || c == '>';
}

/// One character of the shell text the template stands for, or a placeholder.
struct Item {
  char c = 0;
  int placeholder = -1;  ///< index into Tokens::names, or -1 for a character
};

struct Tokens {
  std::vector<Item> items;
  std::vector<std::string> names;  ///< one per placeholder occurrence
};

std::string KnownList(const std::vector<std::string>& knob_names) {
  std::string all;
  for (const auto& n : BuiltinPlaceholders()) all += (all.empty() ? "" : ", ") + n;
  for (const auto& n : knob_names) all += ", " + n;
  return all;
}

/// Splits the template into characters and placeholders; `{{`/`}}` become single braces.
Tokens Tokenize(const std::string& text, const std::vector<std::string>& knob_names,
                std::vector<std::string>* problems) {
  Tokens t;
  std::vector<std::string> reported;
  const auto& builtins = BuiltinPlaceholders();
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool doubled = i + 1 < text.size() && text[i + 1] == c;
    if ((c == '{' || c == '}') && doubled) {
      t.items.push_back({c, -1});
      ++i;
      continue;
    }
    if (c == '{' && (i == 0 || text[i - 1] != '$') && i + 1 < text.size() &&
        IsIdentStart(text[i + 1])) {
      size_t j = i + 1;
      while (j < text.size() && IsIdentChar(text[j])) ++j;
      if (j < text.size() && text[j] == '}') {
        const std::string name = text.substr(i + 1, j - i - 1);
        const bool known =
            std::find(builtins.begin(), builtins.end(), name) != builtins.end() ||
            std::find(knob_names.begin(), knob_names.end(), name) != knob_names.end();
        if (!known && problems &&
            std::find(reported.begin(), reported.end(), name) == reported.end()) {
          reported.push_back(name);
          problems->push_back("unknown placeholder {" + name + "}; known: " +
                              KnownList(knob_names) + " (write {{ and }} for literal braces)");
        }
        t.items.push_back({0, static_cast<int>(t.names.size())});
        t.names.push_back(name);
        i = j;
        continue;
      }
    }
    t.items.push_back({c, -1});
  }
  return t;
}

/// Reads the items as /bin/sh would and gives each placeholder its context (nullopt where
/// no quoting is safe; a problem then says why).
class ShellLexer {
 public:
  ShellLexer(const Tokens& tokens, std::vector<std::string>* problems)
      : items_(tokens.items), names_(tokens.names), problems_(problems) {}

  std::vector<std::optional<ShellContext>> Run() {
    contexts_.assign(names_.size(), std::nullopt);
    stack_ = {Frame{Kind::kCode}};
    size_t i = 0;
    while (i < items_.size()) i = Step(i);
    while (stack_.size() > 1 && stack_.back().kind == Kind::kComment) stack_.pop_back();
    if (stack_.size() > 1) Problem(Unterminated(stack_.back().kind));
    return contexts_;
  }

 private:
  enum class Kind { kCode, kSubst, kSingle, kDouble, kAnsiC, kBacktick, kBrace, kArith, kComment };
  struct Frame {
    explicit Frame(Kind k) : kind(k) {}
    Kind kind;
    int depth = 0;            ///< open ( or { inside this frame
    int case_depth = 0;       ///< open `case` commands (their patterns end with a bare `)`)
    bool word_start = true;   ///< the next character starts a word
    bool command_pos = true;  ///< the next word is a command name (or keyword)
    bool word_at_command = false;
    std::string word;  ///< the current unquoted word, for `case`/`esac`
  };
  struct HereDoc {
    std::string delimiter;
    bool strip_tabs = false;
  };

  static const char* Unterminated(Kind k) {
    switch (k) {
      case Kind::kSingle:
        return "unterminated single quote";
      case Kind::kDouble:
        return "unterminated double quote";
      case Kind::kAnsiC:
        return "unterminated $'";
      case Kind::kBacktick:
        return "unterminated backquote";
      case Kind::kBrace:
        return "unterminated ${";
      case Kind::kArith:
        return "unterminated $((";
      default:
        return "unterminated $(";
    }
  }

  bool IsChar(size_t i, char c) const {
    return i < items_.size() && items_[i].placeholder < 0 && items_[i].c == c;
  }
  bool IsPlaceholder(size_t i) const { return i < items_.size() && items_[i].placeholder >= 0; }
  void Push(Kind k) { stack_.push_back(Frame{k}); }
  void Pop() {
    if (stack_.size() > 1) stack_.pop_back();
  }
  void Problem(const std::string& p) {
    if (problems_ && std::find(problems_->begin(), problems_->end(), p) == problems_->end()) {
      problems_->push_back(p);
    }
  }
  void Refuse(size_t i, const std::string& where, const std::string& instead) {
    const std::string& name = names_[static_cast<size_t>(items_[i].placeholder)];
    Problem("placeholder {" + name + "} " + where + " cannot be quoted safely; " +
            (instead.empty() ? "use $" + PlaceholderEnvName(name) + " there instead" : instead));
  }

  size_t Step(size_t i) {
    if (IsPlaceholder(i)) {
      Placeholder(i);
      return i + 1;
    }
    switch (stack_.back().kind) {
      case Kind::kCode:
      case Kind::kSubst:
        return StepCode(i);
      case Kind::kSingle:
        if (items_[i].c == '\'') Pop();
        return i + 1;
      case Kind::kAnsiC:
      case Kind::kBacktick:
        if (items_[i].c == '\\') return i + 2;
        if (items_[i].c == (stack_.back().kind == Kind::kAnsiC ? '\'' : '`')) Pop();
        return i + 1;
      case Kind::kDouble:
        return StepDouble(i);
      case Kind::kBrace:
        return StepBrace(i);
      case Kind::kArith:
        return StepArith(i);
      case Kind::kComment:
        if (items_[i].c != '\n') return i + 1;
        Pop();
        return i;  // the newline ends the comment and is read again by the code around it
    }
    return i + 1;
  }

  void Placeholder(size_t i) {
    const size_t idx = static_cast<size_t>(items_[i].placeholder);
    Frame& f = stack_.back();
    switch (f.kind) {
      case Kind::kCode:
      case Kind::kSubst:
        contexts_[idx] = ShellContext::kWord;
        f.word_start = false;
        f.word = "-";
        break;
      case Kind::kSingle:
        contexts_[idx] = ShellContext::kSingleQuoted;
        break;
      case Kind::kDouble:
        contexts_[idx] = ShellContext::kDoubleQuoted;
        break;
      case Kind::kArith:
        contexts_[idx] = ShellContext::kArithmetic;
        break;
      case Kind::kComment:
        contexts_[idx] = ShellContext::kComment;
        break;
      case Kind::kBacktick:
        Refuse(i, "inside backquotes", "write $(...) instead of backquotes");
        break;
      case Kind::kBrace:
        Refuse(i, "inside ${...}", "");
        break;
      case Kind::kAnsiC:
        Refuse(i, "inside $'...'", "");
        break;
    }
  }

  /// At a backslash: the next item is taken literally (a placeholder there is refused).
  size_t Escape(size_t i) {
    if (IsPlaceholder(i + 1)) {
      Refuse(i + 1, "right after a backslash", "remove the backslash (the value is quoted)");
    }
    return i + 2;
  }

  /// At `$`: opens $(...), $((...)), ${...} or (in code) $'...'.
  size_t Dollar(size_t i, bool code) {
    if (IsChar(i + 1, '(')) {
      if (IsChar(i + 2, '(')) {
        Push(Kind::kArith);
        return i + 3;
      }
      Push(Kind::kSubst);
      return i + 2;
    }
    if (IsChar(i + 1, '{')) {
      Push(Kind::kBrace);
      return i + 2;
    }
    if (code && IsChar(i + 1, '\'')) {
      Push(Kind::kAnsiC);
      return i + 2;
    }
    return i + 1;
  }

  /// Ends the current unquoted word, noting `case` and `esac` in command position.
  static void EndWord(Frame& f) {
    if (f.word.empty()) return;
    if (f.word_at_command) {
      if (f.word == "case") ++f.case_depth;
      if (f.word == "esac" && f.case_depth > 0) --f.case_depth;
    }
    static const std::vector<std::string> kLeadKeywords = {
        "then", "do", "else", "elif", "if", "while", "until", "!", "{", "time"};
    f.command_pos = f.word_at_command && std::find(kLeadKeywords.begin(), kLeadKeywords.end(),
                                                   f.word) != kLeadKeywords.end();
    f.word.clear();
  }

  size_t StepCode(size_t i) {
    Frame& f = stack_.back();
    const char c = items_[i].c;
    const bool word_start = f.word_start;
    if (IsWordBreak(c)) {
      EndWord(f);
      f.word_start = true;
      if (!IsBlank(c) && c != '<' && c != '>') f.command_pos = true;
    } else {
      if (f.word.empty()) f.word_at_command = f.command_pos;
      f.word += std::isalpha(static_cast<unsigned char>(c)) || c == '!' || c == '{' ? c : '-';
      if (f.word.size() > 8) f.word = "-";
      f.word_start = false;
    }
    switch (c) {
      case '\\':
        return Escape(i);
      case '\'':
        Push(Kind::kSingle);
        return i + 1;
      case '"':
        Push(Kind::kDouble);
        return i + 1;
      case '`':
        Push(Kind::kBacktick);
        return i + 1;
      case '$':
        return Dollar(i, /*code=*/true);
      case '#':
        if (word_start) Push(Kind::kComment);
        return i + 1;
      case '(':
        ++f.depth;
        return i + 1;
      case ')':
        if (f.depth > 0) {
          --f.depth;
        } else if (f.kind == Kind::kSubst && f.case_depth == 0) {
          Pop();
        }
        return i + 1;
      case '<':
        if (IsChar(i + 1, '<') && !IsChar(i + 2, '<')) return HereDocOperator(i);
        return i + 1;
      case '\n':
        return pending_.empty() ? i + 1 : HereDocBodies(i + 1);
      default:
        return i + 1;
    }
  }

  /// Backslashes, backquotes and `$` act alike in "...", ${...} and $((...)): the next
  /// index when items_[i] is one of them.
  std::optional<size_t> StepExpansion(size_t i) {
    switch (items_[i].c) {
      case '\\':
        return Escape(i);
      case '`':
        Push(Kind::kBacktick);
        return i + 1;
      case '$':
        return Dollar(i, /*code=*/false);
      default:
        return std::nullopt;
    }
  }

  size_t StepDouble(size_t i) {
    if (const auto next = StepExpansion(i)) return *next;
    if (items_[i].c == '"') Pop();
    return i + 1;
  }

  size_t StepBrace(size_t i) {
    if (const auto next = StepExpansion(i)) return *next;
    Frame& f = stack_.back();
    switch (items_[i].c) {
      case '{':
        ++f.depth;
        break;
      case '}':
        if (f.depth > 0) {
          --f.depth;
        } else {
          Pop();
        }
        break;
      case '\'':
        Push(Kind::kSingle);
        break;
      case '"':
        Push(Kind::kDouble);
        break;
      default:
        break;
    }
    return i + 1;
  }

  size_t StepArith(size_t i) {
    if (const auto next = StepExpansion(i)) return *next;
    Frame& f = stack_.back();
    if (items_[i].c == '(') ++f.depth;
    if (items_[i].c != ')') return i + 1;
    if (f.depth > 0) {
      --f.depth;
      return i + 1;
    }
    Pop();
    return IsChar(i + 1, ')') ? i + 2 : i + 1;
  }

  /// At `<<` (or `<<-`): reads the delimiter word; the body starts after the next newline.
  size_t HereDocOperator(size_t i) {
    size_t j = i + 2;
    HereDoc doc;
    if (IsChar(j, '-')) {
      doc.strip_tabs = true;
      ++j;
    }
    while (j < items_.size() && items_[j].placeholder < 0 && IsBlank(items_[j].c)) ++j;
    char quote = 0;
    for (; j < items_.size(); ++j) {
      if (IsPlaceholder(j)) {
        Refuse(j, "as a here-document delimiter", "write the delimiter out");
        continue;
      }
      const char c = items_[j].c;
      if (quote) {
        if (c == quote) {
          quote = 0;
        } else if (quote == '"' && c == '\\' && j + 1 < items_.size()) {
          doc.delimiter += items_[++j].c;
        } else {
          doc.delimiter += c;
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '\\' && j + 1 < items_.size()) {
        doc.delimiter += items_[++j].c;
      } else if (IsWordBreak(c)) {
        break;
      } else {
        doc.delimiter += c;
      }
    }
    if (doc.delimiter.empty()) Problem("here-document operator << without a delimiter word");
    pending_.push_back(doc);
    stack_.back().word_start = IsChar(j, ' ') || IsChar(j, '\t');
    return j;
  }

  /// From the start of the line after a here-document operator: skips each pending body up
  /// to its delimiter line. Placeholders in a body are refused.
  size_t HereDocBodies(size_t i) {
    for (const HereDoc& doc : pending_) {
      while (i < items_.size()) {
        size_t end = i;
        std::string line;
        bool has_placeholder = false;
        for (; end < items_.size() && !IsChar(end, '\n'); ++end) {
          if (IsPlaceholder(end)) {
            has_placeholder = true;
          } else {
            line += items_[end].c;
          }
        }
        if (doc.strip_tabs) line.erase(0, line.find_first_not_of('\t'));
        const bool last = !has_placeholder && line == doc.delimiter;
        for (size_t k = i; k < end && has_placeholder; ++k) {
          if (IsPlaceholder(k)) {
            Refuse(k, "in a here-document",
                   "use $" +
                       PlaceholderEnvName(names_[static_cast<size_t>(items_[k].placeholder)]) +
                       " there instead (an unquoted delimiter expands it)");
          }
        }
        i = end + 1;
        if (last) break;
      }
    }
    pending_.clear();
    return std::min(i, items_.size());
  }

  const std::vector<Item>& items_;
  const std::vector<std::string>& names_;
  std::vector<std::string>* problems_;
  std::vector<Frame> stack_;
  std::vector<HereDoc> pending_;
  std::vector<std::optional<ShellContext>> contexts_;
};

/// The integer `value` as $((...)) reads it (decimal, leading zeros dropped, negative values
/// in parentheses); nullopt when it is not an integer.
std::optional<std::string> ArithmeticInteger(const std::string& value) {
  const bool negative = !value.empty() && value[0] == '-';
  std::string digits = value.substr(negative ? 1 : 0);
  if (digits.empty() ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size() - 1));
  return negative ? "(-" + digits + ")" : digits;
}

}  // namespace

const std::vector<std::string>& BuiltinPlaceholders() {
  static const std::vector<std::string> k = {"workload", "workload_file", "trial_dir", "trial_id",
                                             "seed",     "replicate",     "config_dir"};
  return k;
}

bool IsValidEnvName(const std::string& name) {
  if (name.empty() || !IsIdentStart(name[0])) return false;
  return std::all_of(name.begin(), name.end(), IsIdentChar);
}

std::string KnobEnvName(const std::string& knob) {
  std::string out = "IOREC_KNOB_";
  for (char c : knob) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string PlaceholderEnvName(const std::string& placeholder) {
  const auto& b = BuiltinPlaceholders();
  if (std::find(b.begin(), b.end(), placeholder) == b.end()) return KnobEnvName(placeholder);
  std::string out = "IOREC_";
  for (char c : placeholder) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

CommandTemplate CommandTemplate::Parse(const std::string& text,
                                       const std::vector<std::string>& knob_names,
                                       std::vector<std::string>* problems) {
  const Tokens tokens = Tokenize(text, knob_names, problems);
  const auto contexts = ShellLexer(tokens, problems).Run();
  CommandTemplate t;
  for (const Item& item : tokens.items) {
    if (item.placeholder >= 0) {
      const auto idx = static_cast<size_t>(item.placeholder);
      t.parts_.push_back({true, tokens.names[idx], contexts[idx].value_or(ShellContext::kWord)});
    } else if (!t.parts_.empty() && !t.parts_.back().placeholder) {
      t.parts_.back().text += item.c;
    } else {
      t.parts_.push_back({false, std::string(1, item.c)});
    }
  }
  return t;
}

CommandTemplate CommandTemplate::Parse(const std::string& text, const space::Space& space,
                                       std::vector<std::string>* problems) {
  std::vector<std::string> knob_names;
  for (const auto& k : space.knobs()) knob_names.push_back(k.name);
  CommandTemplate t = Parse(text, knob_names, problems);
  for (const auto& k : space.knobs()) {
    for (const auto& v : k.values) {
      const std::string why = t.CheckValue(k.name, v.text());
      if (!why.empty()) {
        if (problems) problems->push_back(why);
        break;
      }
    }
  }
  for (const char* name : {"workload", "workload_file", "trial_dir", "config_dir"}) {
    const std::string why = t.CheckValue(name, "not a number");
    if (!why.empty() && problems) {
      problems->push_back("placeholder {" + std::string(name) +
                          "} stands in $((...)), which takes integers only");
    }
  }
  return t;
}

std::string CommandTemplate::CheckValue(const std::string& name, const std::string& value) const {
  for (const auto& p : parts_) {
    if (p.placeholder && p.text == name && p.context == ShellContext::kArithmetic &&
        !ArithmeticInteger(value)) {
      return "placeholder {" + name + "} stands in $((...)), which takes integers only; got '" +
             value + "'";
    }
  }
  return "";
}

std::string CommandTemplate::Render(const std::map<std::string, std::string>& values) const {
  std::string out;
  for (const auto& p : parts_) {
    if (!p.placeholder) {
      out += p.text;
      continue;
    }
    auto it = values.find(p.text);
    if (it == values.end()) throw core::Error("command template: no value for {" + p.text + "}");
    const std::string& v = it->second;
    switch (p.context) {
      case ShellContext::kWord:
        out += ShellQuote(v);
        break;
      case ShellContext::kSingleQuoted:
        out += "'" + ShellQuote(v) + "'";
        break;
      case ShellContext::kDoubleQuoted:
        out += "\"" + ShellQuote(v) + "\"";
        break;
      case ShellContext::kArithmetic: {
        const auto n = ArithmeticInteger(v);
        if (!n) throw core::Error("command template: " + CheckValue(p.text, v));
        out += *n;
        break;
      }
      case ShellContext::kComment: {
        std::string flat = v;
        std::replace(flat.begin(), flat.end(), '\n', ' ');
        out += flat;
        break;
      }
    }
  }
  return out;
}

std::vector<std::string> CommandTemplate::Placeholders() const {
  std::vector<std::string> out;
  for (const auto& p : parts_) {
    if (p.placeholder && std::find(out.begin(), out.end(), p.text) == out.end()) {
      out.push_back(p.text);
    }
  }
  return out;
}

}  // namespace iorec::runner
